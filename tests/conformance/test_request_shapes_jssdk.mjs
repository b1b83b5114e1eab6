// Second, independent reference for the JSON wire: for every JSON-protocol request pingwatch sends
// (SSM, Organizations, DynamoDB, and CloudWatch's JSON 1.0 wire, which botocore 1.29 does not model), the AWS SDK
// for JavaScript v3, given the same input, must produce the same body, X-Amz-Target, Content-Type and
// (CloudWatch) x-amzn-query-mode header. The SDK's request is captured before it leaves the process.
// Our body must be a fixed point of the SDK's serializer: a misnamed or unmodelled member is dropped by the
// SDK (body differs), a wrongly typed one fails its serde; values themselves are checked by the unit tests.
import { execFileSync } from "node:child_process";
import path from "node:path";
import * as cloudwatch from "@aws-sdk/client-cloudwatch";
import * as dynamodb from "@aws-sdk/client-dynamodb";
import * as organizations from "@aws-sdk/client-organizations";
import * as ssm from "@aws-sdk/client-ssm";
import { readFileSync as readPackageFile } from "node:fs";
// Which client versions this run used (the lock pins the newest published when it was last updated).
console.log("client: " + ["@aws-sdk/client-cloudwatch", "@aws-sdk/client-dynamodb", "@aws-sdk/client-organizations", "@aws-sdk/client-ssm"].map((m) => `${m} ${JSON.parse(readPackageFile(new URL(`./node_modules/${m}/package.json`, import.meta.url))).version}`).join(", ") + ` (node ${process.version})`);

const modules = {
  cloudwatch: [cloudwatch, "CloudWatchClient"],
  dynamodb: [dynamodb, "DynamoDBClient"],
  organizations: [organizations, "OrganizationsClient"],
  ssm: [ssm, "SSMClient"],
};
const TIMESTAMP_FIELDS = new Set(["Timestamp", "StartTime", "EndTime"]);

class Captured extends Error {
  constructor(request) { super("captured"); this.name = "Captured"; this.request = request; }
}

function toSdkInput(value, key = "") {
  if (Array.isArray(value)) return value.map((v) => toSdkInput(v, key));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toSdkInput(v, k)]));
  }
  if (TIMESTAMP_FIELDS.has(key) && typeof value === "number") return new Date(value * 1000);
  return value;
}

function deepEqual(a, b) {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) < 1e-9;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return a === b;
}

async function sdkRequest(model, operation, input) {
  const [mod, clientName] = modules[model];
  const client = new mod[clientName]({
    region: "us-east-1",
    endpoint: "http://127.0.0.1:1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
    requestHandler: { handle: async (request) => { throw new Captured(request); } },
  });
  const Command = mod[`${operation}Command`];
  if (!Command) throw new Error(`${clientName} has no ${operation}Command`);
  try {
    await client.send(new Command(input));
  } catch (e) {
    if (e.name === "Captured") return e.request;
    throw e;
  }
  throw new Error("request was not captured");
}

const tool = path.join(process.env.PINGWATCH_TOOLS_DIR ?? "", "encode_tool");
const lines = execFileSync(tool, { encoding: "utf8" }).split("\n").filter((l) => l.trim());
let passed = 0;
const failures = [];
for (const line of lines) {
  const c = JSON.parse(line);
  const lower = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (!lower["x-amz-target"]) continue;   // query-protocol cases: covered by the botocore serializer test
  try {
    const ours = JSON.parse(c.body);
    const req = await sdkRequest(c.model, c.operation, toSdkInput(ours));
    const text = typeof req.body === "string" ? req.body : Buffer.from(req.body ?? "").toString("utf8");
    const theirs = JSON.parse(text || "{}");
    const h = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const problems = [];
    if (!deepEqual(ours, theirs)) problems.push(`body differs:\n  ours   ${c.body}\n  js sdk ${text}`);
    for (const name of ["x-amz-target", "content-type", "x-amzn-query-mode"]) {
      if ((h[name] ?? null) !== (lower[name] ?? null)) problems.push(`${name}: ours ${lower[name]} js sdk ${h[name]}`);
    }
    if (problems.length) failures.push(`${c.case}: ${problems.join("; ")}`); else passed++;
  } catch (e) {
    failures.push(`${c.case}: ${e.message}`);
  }
}
for (const f of failures) console.log(`not ok - ${f}`);
console.log(`${passed} JSON requests identical to the AWS SDK for JavaScript v3, ${failures.length} differ`);
if (passed < 25) { console.log("too few JSON cases compared"); process.exit(1); }
process.exit(failures.length ? 1 : 0);
