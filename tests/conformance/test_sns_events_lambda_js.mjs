// @aws-sdk/client-sns, -eventbridge and -lambda (AWS SDK for JavaScript v3) against `pingwatch local`:
// the post's setup made with ordinary API calls (topic + email subscription, a function from a zip with a
// bootstrap, a rate(1 minute) rule targeting it), AWS's errors as the SDK's typed exceptions, and the rule
// invoking the function on the simulated clock.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, existsSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SNSClient, CreateTopicCommand, SubscribeCommand, PublishCommand, ListSubscriptionsByTopicCommand,
         GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand, ListRulesCommand, DescribeRuleCommand,
         DeleteRuleCommand } from "@aws-sdk/client-eventbridge";
import { LambdaClient, CreateFunctionCommand, InvokeCommand, GetFunctionCommand,
         waitUntilFunctionActiveV2 } from "@aws-sdk/client-lambda";
import { readFileSync as readPackageFile } from "node:fs";
// Which client versions this run used (the lock pins the newest published when it was last updated).
console.log("client: " + ["@aws-sdk/client-eventbridge", "@aws-sdk/client-lambda", "@aws-sdk/client-sns"].map((m) => `${m} ${JSON.parse(readPackageFile(new URL(`./node_modules/${m}/package.json`, import.meta.url))).version}`).join(", ") + ` (node ${process.version})`);

let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}: ${detail}`); }
};
const expectError = async (name, promise, errorName, messagePart) => {
  try {
    await promise;
    check(name, false, "no error");
  } catch (e) {
    check(name, e.name === errorName && (!messagePart || e.message.includes(messagePart)), `${e.name}: ${e.message}`);
  }
};

const work = mkdtempSync(join(tmpdir(), "pingwatch-js-"));
function startStack() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.env.PINGWATCH_BIN,
                       ["local", "--port", "0", "--nodes", "1", "--time-scale", "30", "--auto-confirm", "--mailbox", join(work, "mail")],
                       { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const timer = setTimeout(() => { proc.kill(); reject(new Error("stack did not start")); }, 30000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^pingwatch local listening on (http:\S+)$/m);
      if (m) { clearTimeout(timer); resolve({ proc, url: m[1] }); }
    });
    proc.stderr.on("data", () => {});
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`stack exited ${code}`)); });
  });
}

const { proc, url } = await startStack();
const config = { endpoint: url, region: "ap-northeast-1", maxAttempts: 1,
                 credentials: { accessKeyId: "test", secretAccessKey: "test" } };
const sns = new SNSClient(config);
const events = new EventBridgeClient(config);
const lambda = new LambdaClient(config);
try {
  // SNS
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "SSM-Ping" }));
  check("CreateTopic", TopicArn === "arn:aws:sns:ap-northeast-1:123456789012:SSM-Ping", TopicArn);
  const sub = await sns.send(new SubscribeCommand({ TopicArn, Protocol: "email", Endpoint: "ops@example.com",
                                                    ReturnSubscriptionArn: true }));
  check("Subscribe email (auto-confirmed)", sub.SubscriptionArn.startsWith(`${TopicArn}:`), sub.SubscriptionArn);
  const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  check("ListSubscriptionsByTopic", subs.Subscriptions.length === 1 && subs.Subscriptions[0].Endpoint === "ops@example.com");
  const attrs = await sns.send(new GetTopicAttributesCommand({ TopicArn }));
  check("GetTopicAttributes", attrs.Attributes.SubscriptionsConfirmed === "1" && attrs.Attributes.TopicArn === TopicArn);
  const pub = await sns.send(new PublishCommand({ TopicArn, Subject: "hello", Message: "from the JS SDK",
    MessageAttributes: { severity: { DataType: "String", StringValue: "high" } } }));
  check("Publish returns a MessageId", /^[0-9a-f-]{36}$/.test(pub.MessageId), pub.MessageId);
  await expectError("Subject of 100 characters -> InvalidParameterException",
                    sns.send(new PublishCommand({ TopicArn, Subject: "x".repeat(100), Message: "m" })),
                    "InvalidParameterException", "Invalid parameter: Subject");
  await expectError("unknown topic -> NotFoundException",
                    sns.send(new PublishCommand({ TopicArn: `${TopicArn}-nope`, Message: "m" })), "NotFoundException");
  let mailbox = { messages: [] };
  for (let i = 0; i < 50 && mailbox.messages.length < 1; i++) {
    mailbox = await (await fetch(`${url}/_local/mailbox`)).json();
    if (mailbox.messages.length < 1) await new Promise((r) => setTimeout(r, 100));
  }
  check("email delivered (GET /_local/mailbox)", mailbox.messages.length === 1 &&
        mailbox.messages[0].subject === "hello" && mailbox.messages[0].body.startsWith("from the JS SDK\n\n--\n"),
        JSON.stringify(mailbox));

  // Lambda
  const pkg = join(work, "pkg");
  execFileSync("mkdir", ["-p", pkg]);
  writeFileSync(join(pkg, "bootstrap"), `#!/bin/sh
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
HDRS=$(mktemp)
while true; do
  EVENT=$(curl -sS -D "$HDRS" "$API/invocation/next") || exit 2
  ID=$(grep -i '^lambda-runtime-aws-request-id:' "$HDRS" | tr -d '\\r' | awk '{print $2}')
  echo "$EVENT" >> "$MARKER"
  curl -sS -o /dev/null -X POST -d "{\\"echo\\":$EVENT}" "$API/invocation/$ID/response"
done
`);
  chmodSync(join(pkg, "bootstrap"), 0o755);
  execFileSync("zip", ["-q", join(work, "fn.zip"), "bootstrap"], { cwd: pkg });
  const marker = join(work, "events.log");
  const created = await lambda.send(new CreateFunctionCommand({
    FunctionName: "LambdaCreateCWAlarm", Runtime: "provided.al2023", Handler: "bootstrap",
    Role: "arn:aws:iam::123456789012:role/LambdaCreateCWAlarmRole", Code: { ZipFile: readFileSync(join(work, "fn.zip")) },
    Environment: { Variables: { MARKER: marker, CWAlarmSNSTopic: TopicArn } } }));
  check("CreateFunction", created.FunctionArn === "arn:aws:lambda:ap-northeast-1:123456789012:function:LambdaCreateCWAlarm" &&
        created.Timeout === 3 && created.MemorySize === 128 && created.State === "Pending" &&
        created.StateReasonCode === "Creating", JSON.stringify(created));
  // A new function is Pending until Lambda has set it up: the SDK's waiter polls GetFunction until Active.
  const waited = await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 30, minDelay: 1 },
                                                 { FunctionName: "LambdaCreateCWAlarm" });
  check("waitUntilFunctionActiveV2", waited.state === "SUCCESS", JSON.stringify(waited));
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: "LambdaCreateCWAlarm" }));
  check("GetFunction", got.Configuration.Environment.Variables.CWAlarmSNSTopic === TopicArn);
  const inv = await lambda.send(new InvokeCommand({ FunctionName: "LambdaCreateCWAlarm",
                                                    Payload: new TextEncoder().encode(JSON.stringify({ a: 1 })) }));
  const answer = JSON.parse(new TextDecoder().decode(inv.Payload));
  check("Invoke RequestResponse", inv.StatusCode === 200 && !inv.FunctionError && answer.echo.a === 1, JSON.stringify(answer));
  await expectError("Invoke of an unknown function -> ResourceNotFoundException",
                    lambda.send(new InvokeCommand({ FunctionName: "nope" })), "ResourceNotFoundException");
  await expectError("CreateFunction twice -> ResourceConflictException",
                    lambda.send(new CreateFunctionCommand({ FunctionName: "LambdaCreateCWAlarm", Runtime: "provided.al2023",
                      Handler: "bootstrap", Role: "arn:aws:iam::123456789012:role/r", Code: { ZipFile: readFileSync(join(work, "fn.zip")) } })),
                    "ResourceConflictException");

  // EventBridge
  await expectError("PutRule rate(5 minute) -> ValidationException",
                    events.send(new PutRuleCommand({ Name: "Bad", ScheduleExpression: "rate(5 minute)" })),
                    "ValidationException", "Parameter ScheduleExpression is not valid.");
  const rule = await events.send(new PutRuleCommand({ Name: "LambdaCreateCWAlarmRule", ScheduleExpression: "rate(1 minute)" }));
  check("PutRule", rule.RuleArn === "arn:aws:events:ap-northeast-1:123456789012:rule/LambdaCreateCWAlarmRule", rule.RuleArn);
  const targets = await events.send(new PutTargetsCommand({ Rule: "LambdaCreateCWAlarmRule",
                                                            Targets: [{ Id: "1", Arn: created.FunctionArn }] }));
  check("PutTargets", targets.FailedEntryCount === 0);
  const listed = await events.send(new ListRulesCommand({ NamePrefix: "Lambda" }));
  check("ListRules", listed.Rules.length === 1 && listed.Rules[0].ScheduleExpression === "rate(1 minute)");
  const described = await events.send(new DescribeRuleCommand({ Name: "LambdaCreateCWAlarmRule" }));
  check("DescribeRule", described.State === "ENABLED" && described.EventBusName === "default");
  await expectError("DeleteRule with targets -> ValidationException",
                    events.send(new DeleteRuleCommand({ Name: "LambdaCreateCWAlarmRule" })), "ValidationException");
  // At 30x a simulated minute is 2 s: two scheduled events take about 4 s; bounded at 30 s for a loaded machine.
  let scheduled = [];
  for (let i = 0; i < 300 && scheduled.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (existsSync(marker)) scheduled = readFileSync(marker, "utf8").split("\n").filter((l) => l.includes("Scheduled Event"));
  }
  const times = scheduled.map((l) => JSON.parse(l).time);
  check("the rule invokes the function with the Scheduled Event, once per minute",
        scheduled.length >= 2 && new Set(times).size === times.length && times.every((t) => t.endsWith(":00Z")),
        JSON.stringify(times));
} catch (e) {
  check("no unexpected error", false, `${e.name}: ${e.message}`);
} finally {
  proc.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
