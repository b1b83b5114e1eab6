// @aws-sdk/client-cloudwatch (AWS SDK for JavaScript v3, JSON 1.0 with x-amzn-query-mode) against
// `pingwatch local`: metrics, alarms, history and tags parse in the SDK's current shapes (epoch-second
// timestamps become Dates), an alarm fires on the simulated clock, and errors carry AWS's codes.
// Any process warning (e.g. a response the SDK could not map) fails the test.
import { spawn } from "node:child_process";
import {
  CloudWatchClient, PutMetricDataCommand, ListMetricsCommand, paginateListMetrics, PutMetricAlarmCommand,
  DescribeAlarmsCommand, DescribeAlarmHistoryCommand, GetMetricDataCommand, GetMetricStatisticsCommand,
  SetAlarmStateCommand, TagResourceCommand, ListTagsForResourceCommand, DeleteAlarmsCommand,
} from "@aws-sdk/client-cloudwatch";
import { readFileSync as readPackageFile } from "node:fs";
// Which client versions this run used (the lock pins the newest published when it was last updated).
console.log("client: " + ["@aws-sdk/client-cloudwatch"].map((m) => `${m} ${JSON.parse(readPackageFile(new URL(`./node_modules/${m}/package.json`, import.meta.url))).version}`).join(", ") + ` (node ${process.version})`);

let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}: ${detail}`); }
};
const warningsSeen = [];
// The SDK's own notice about future Node versions is not about our responses.
process.on("warning", (w) => { if (!String(w).includes("NodeVersionSupportWarning")) warningsSeen.push(String(w)); });

function startStack() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.env.PINGWATCH_BIN,
                       ["local", "--port", "0", "--nodes", "0", "--time-scale", "60", "--region", "ap-northeast-1"],
                       { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => { proc.kill(); reject(new Error("stack did not start")); }, 30000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^pingwatch local listening on (http:\S+)$/m);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1] }); }
    });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`stack exited ${code}`)); });
  });
}

const errorOf = async (promise) => {
  try { await promise; } catch (e) { return e; }
  return null;
};
const dims = (id) => [{ Name: "Per-Instance Metrics", Value: id }];

const { proc, url } = await startStack();
try {
  const options = { endpoint: url, region: "ap-northeast-1", maxAttempts: 1,
                    credentials: { accessKeyId: "test", secretAccessKey: "test" } };
  const cw = new CloudWatchClient({ ...options, disableRequestCompression: true });
  // The post's node, whose alarm is below, is not among the 620 with a 0.0 datum: only its 1.0s can move the
  // alarm, so it stays unchecked until they come, however the minute boundaries fall.
  const watched = `i-0${(0x572676272d863124n).toString(16)}`;
  const ids = Array.from({ length: 620 }, (_, n) => `i-0${(0x572676272d863124n + BigInt(n + 1)).toString(16)}`);
  const datums = (list, value) => list.map((id) => ({ MetricName: "Status", Dimensions: dims(id), Value: value, Unit: "Count" }));
  await cw.send(new PutMetricDataCommand({ Namespace: "SSM Agent", MetricData: datums(ids, 0) }));
  // Over 10 KB the SDK gzips PutMetricData (RequestCompression, Content-Encoding: gzip); the signature covers
  // the compressed bytes.
  const gzipped = await errorOf(new CloudWatchClient(options).send(
    new PutMetricDataCommand({ Namespace: "SSM Agent", MetricData: datums(ids, 0) })));
  check("a gzip-compressed PutMetricData (over 10 KB) is accepted", gzipped === null, gzipped && `${gzipped.name}: ${gzipped.message}`);
  const listed = [];
  const sizes = [];
  for await (const page of paginateListMetrics({ client: cw }, { Namespace: "SSM Agent", MetricName: "Status" })) {
    sizes.push(page.Metrics.length);
    for (const m of page.Metrics) listed.push(m.Dimensions[0].Value);
  }
  check("ListMetrics pages of 500 list every metric", listed.length === 620 && new Set(listed).size === 620
        && sizes[0] === 500, `${listed.length} ${sizes}`);
  const filtered = await cw.send(new ListMetricsCommand({ Dimensions: [{ Name: "Per-Instance Metrics", Value: ids[3] }] }));
  check("dimension filter", filtered.Metrics.length === 1 && filtered.Metrics[0].Dimensions[0].Value === ids[3]);

  const name = `ssm-agent-${watched}`;
  const topic = "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping";
  await cw.send(new PutMetricAlarmCommand({
    AlarmName: name, AlarmActions: [topic], MetricName: "Status", Namespace: "SSM Agent", Statistic: "Maximum",
    Dimensions: dims(watched), Period: 60, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: 1.0,
    ComparisonOperator: "GreaterThanOrEqualToThreshold", TreatMissingData: "missing" }));
  let alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms[0];
  check("DescribeAlarms: timestamps are Dates", alarm.StateUpdatedTimestamp instanceof Date
        && alarm.AlarmConfigurationUpdatedTimestamp instanceof Date, JSON.stringify(alarm));
  check("DescribeAlarms: the post's alarm", alarm.Threshold === 1 && alarm.Period === 60 && alarm.DatapointsToAlarm === 1
        && alarm.AlarmActions[0] === topic && alarm.Dimensions[0].Value === watched && alarm.ActionsEnabled === true,
        JSON.stringify(alarm));
  check("initial state", alarm.StateValue === "INSUFFICIENT_DATA" && alarm.StateReason === "Unchecked: Initial alarm creation",
        `${alarm.StateValue}: ${alarm.StateReason}`);

  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    await cw.send(new PutMetricDataCommand({ Namespace: "SSM Agent", MetricData: [
      { MetricName: "Status", Dimensions: dims(watched), Value: 1, Unit: "Count" }] }));
    alarm = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms[0];
    if (alarm.StateValue === "ALARM") break;
    await new Promise((r) => setTimeout(r, 300));
  }
  check("alarm fires on the simulated clock", alarm.StateValue === "ALARM", alarm.StateValue);
  check("reason as AWS writes it", /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:00\)\] was greater than or equal to the threshold \(1\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/.test(alarm.StateReason), alarm.StateReason);

  const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "StateUpdate" }));
  check("history items parse", history.AlarmHistoryItems.length >= 1 && history.AlarmHistoryItems[0].Timestamp instanceof Date
        && history.AlarmHistoryItems[0].HistorySummary.endsWith("to ALARM"), JSON.stringify(history.AlarmHistoryItems[0]));

  // The last 3 wall hours: at 60x the 1.0s above age a simulated minute per wall second, and a loaded machine
  // can take many wall seconds to get here. The watched node has no other data: every value is one of its 1s.
  const now = new Date();
  const data = await cw.send(new GetMetricDataCommand({
    StartTime: new Date(now.getTime() - 3 * 3600000), EndTime: new Date(now.getTime() + 60000),
    MetricDataQueries: [{ Id: "status", MetricStat: { Metric: { Namespace: "SSM Agent", MetricName: "Status", Dimensions: dims(watched) },
                                                     Period: 60, Stat: "Maximum" } }] }));
  const r = data.MetricDataResults[0];
  check("GetMetricData: Dates and numbers", r.Id === "status" && r.StatusCode === "Complete" && r.Values.length > 0
        && r.Values.every((v) => v === 1) && r.Timestamps.length === r.Values.length
        && r.Timestamps.every((t) => t instanceof Date), JSON.stringify(r));
  const stats = await cw.send(new GetMetricStatisticsCommand({
    Namespace: "SSM Agent", MetricName: "Status", Dimensions: dims(watched), StartTime: new Date(now.getTime() - 3 * 3600000),
    EndTime: new Date(now.getTime() + 60000), Period: 60, Statistics: ["Maximum", "Average"] }));
  check("GetMetricStatistics", stats.Label === "Status" && stats.Datapoints.length > 0
        && stats.Datapoints[0].Timestamp instanceof Date && stats.Datapoints[0].Unit === "Count"
        && stats.Datapoints.every((p) => p.Maximum === 1 && p.Average === 1), JSON.stringify(stats));

  await cw.send(new TagResourceCommand({ ResourceARN: alarm.AlarmArn, Tags: [{ Key: "app", Value: "pingwatch" }] }));
  const tags = await cw.send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }));
  check("tags", tags.Tags.length === 1 && tags.Tags[0].Key === "app");

  let e = await errorOf(cw.send(new PutMetricDataCommand({ Namespace: "n", MetricData: [
    { MetricName: "m", Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }] })));
  check("InvalidParameterCombination as the SDK sees it", e && e.$metadata.httpStatusCode === 400
        && /InvalidParameterCombination/.test(`${e.name} ${e.Code ?? ""}`)
        && e.message === "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.",
        e && `${e.name} ${e.Code} ${e.message}`);
  e = await errorOf(cw.send(new SetAlarmStateCommand({ AlarmName: "nope", StateValue: "OK", StateReason: "x" })));
  check("ResourceNotFound as the SDK sees it", e && e.$metadata.httpStatusCode === 404 && /ResourceNotFound/.test(`${e.name} ${e.Code ?? ""}`),
        e && `${e.name} ${e.Code} ${e.message}`);
  e = await errorOf(cw.send(new DescribeAlarmsCommand({ MaxRecords: 101 })));
  check("MaxRecords 101 refused", e && /Validation/.test(`${e.name} ${e.Code ?? ""}`), e && `${e.name} ${e.message}`);

  await cw.send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
  const after = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }));
  check("DeleteAlarms", after.MetricAlarms.length === 0);
  check("no process warnings", warningsSeen.length === 0, warningsSeen.join("; "));
} catch (err) {
  failed++;
  console.log(`not ok - unexpected error: ${err?.stack ?? err}`);
} finally {
  proc.kill();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
