// Client timestamps at --time-scale 60 with the AWS SDK for JavaScript v3 (docs/local-stack.md "Time"). The SDK
// signs with the server's clock (systemClockOffset, taken from each response's Date header) but serialises the
// Dates a caller gives unchanged, so `new Date()` is wall time and must keep its distance from now on the
// stack's simulated clock: the last hour at Period 60 is accepted and holds the hour's data, a datum 6 hours
// old comes back 6 hours before the simulated now, 15 days back is refused as AWS refuses it.
import { spawn } from "node:child_process";
import {
  CloudWatchClient, PutMetricDataCommand, GetMetricStatisticsCommand, GetMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";

let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}: ${detail}`); }
};

function startStack() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.env.PINGWATCH_BIN, ["local", "--port", "0", "--nodes", "0", "--time-scale", "60"],
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

const HOUR = 3600 * 1000;
const ago = (ms) => new Date(Date.now() - ms);
// Simulated milliseconds that pass in the wall time since `from` (Date.now()) at --time-scale 60: what a
// comparison of two readings of the simulated clock taken in that time must allow on a loaded machine.
const simSince = (from) => 60 * (Date.now() - from);
const errorOf = async (promise) => {
  try { await promise; } catch (e) { return e; }
  return null;
};

const { proc, url } = await startStack();
try {
  const cw = new CloudWatchClient({ endpoint: url, region: "us-east-1", maxAttempts: 1,
                                    credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  const put = (name, value, timestamp) => cw.send(new PutMetricDataCommand({ Namespace: "js", MetricData: [
    { MetricName: name, Value: value, Unit: "Count", ...(timestamp ? { Timestamp: timestamp } : {}) }] }));
  const simNow = async () => (await fetch(`${url}/_local/clock`).then((r) => r.json())).sim_now * 1000;

  let from = Date.now();
  await put("hour", 1);
  const signsWith = Date.now() + cw.config.systemClockOffset;
  const simAfterPut = await simNow();
  let slack = 2 * 60000 + simSince(from);
  check("the SDK signs with the stack's simulated clock (Date header), not the wall clock",
        cw.config.systemClockOffset > 0 && Math.abs(signsWith - simAfterPut) < slack,
        `signs with ${new Date(signsWith).toISOString()}, simulated now ${new Date(simAfterPut).toISOString()}, slack ${slack} ms`);
  from = Date.now();
  await put("hour", 2, ago(HOUR / 2));
  await put("hour", 3, ago(2 * HOUR));
  const stats = await cw.send(new GetMetricStatisticsCommand({ Namespace: "js", MetricName: "hour", StartTime: ago(HOUR),
                                                               EndTime: new Date(), Period: 60, Statistics: ["Maximum"] }));
  const hour = stats.Datapoints.map((p) => [p.Timestamp.getTime(), p.Maximum]).sort((a, b) => a[0] - b[0]);
  let sim = await simNow();
  slack = 5 * 60000 + simSince(from);
  check("the last wall hour at Period 60 is accepted and holds the hour's two datapoints",
        hour.map((p) => p[1]).join() === "2,1" && Math.abs(hour[0][0] - (sim - HOUR / 2)) < slack,
        `${JSON.stringify(hour)}, simulated now ${sim}, slack ${slack} ms`);

  const data = await cw.send(new GetMetricDataCommand({ StartTime: ago(HOUR), EndTime: new Date(), MetricDataQueries: [
    { Id: "q", MetricStat: { Metric: { Namespace: "js", MetricName: "hour" }, Period: 60, Stat: "Maximum" } }] }));
  check("GetMetricData reads the last wall hour the same way",
        [...data.MetricDataResults[0].Values].sort().join() === "1,2", JSON.stringify(data.MetricDataResults));

  from = Date.now();
  await put("old", 6, ago(6 * HOUR));
  const old = await cw.send(new GetMetricStatisticsCommand({ Namespace: "js", MetricName: "old", StartTime: ago(7 * HOUR),
                                                             EndTime: new Date(), Period: 300, Statistics: ["Maximum"] }));
  sim = await simNow();
  slack = 10 * 60000 + simSince(from);
  check("a datum 6 wall hours old is accepted and returned 6 hours before the simulated now",
        old.Datapoints.length === 1 && Math.abs(old.Datapoints[0].Timestamp.getTime() - (sim - 6 * HOUR)) < slack,
        `${JSON.stringify(old.Datapoints)}, simulated now ${sim}, slack ${slack} ms`);

  const e = await errorOf(put("old", 1, ago(15 * 24 * HOUR)));
  check("a datum 15 wall days old is refused as AWS refuses it", e && e.$metadata.httpStatusCode === 400
        && /InvalidParameterValue/.test(`${e.name} ${e.Code ?? ""}`)
        && e.message === "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.",
        e && `${e.name} ${e.message}`);
} catch (err) {
  failed++;
  console.log(`not ok - unexpected error: ${err?.stack ?? err}`);
} finally {
  proc.kill();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
