// @aws-sdk/client-ssm (AWS SDK for JavaScript v3) against `pingwatch local`: the paginator sees every node,
// the SDK's clock-skew correction (it re-reads the Date header) keeps requests valid while the simulated
// clock runs ahead, and a wrong secret is refused.
import { spawn } from "node:child_process";
import { SSMClient, paginateDescribeInstanceInformation, DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import { readFileSync as readPackageFile } from "node:fs";
// Which client versions this run used (the lock pins the newest published when it was last updated).
console.log("client: " + ["@aws-sdk/client-ssm"].map((m) => `${m} ${JSON.parse(readPackageFile(new URL(`./node_modules/${m}/package.json`, import.meta.url))).version}`).join(", ") + ` (node ${process.version})`);

const NODES = 173;
let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name}: ${detail}`); }
};

function startStack() {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.env.PINGWATCH_BIN, ["local", "--port", "0", "--nodes", String(NODES), "--fleet-seed", "9"],
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

const { proc, url } = await startStack();
const client = (secret = "test") => new SSMClient({
  endpoint: url, region: "us-east-1", maxAttempts: 1,
  credentials: { accessKeyId: "test", secretAccessKey: secret },
});
try {
  const ssm = client();
  const ids = [];
  let pages = 0;
  for await (const page of paginateDescribeInstanceInformation({ client: ssm, pageSize: 9 }, {})) {
    pages++;
    for (const n of page.InstanceInformationList ?? []) ids.push(n.InstanceId);
  }
  check("paginator sees every node once", ids.length === NODES && new Set(ids).size === NODES, `${ids.length}`);
  check("several pages", pages >= Math.floor(NODES / 9), `${pages}`);
  const one = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 5 }));
  check("LastPingDateTime is a Date", one.InstanceInformationList[0].LastPingDateTime instanceof Date);
  check("PingStatus Online", one.InstanceInformationList[0].PingStatus === "Online");

  // Let the simulated clock run well past 15 minutes ahead of the wall clock; requests keep working.
  await new Promise((r) => setTimeout(r, 17000));
  const again = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 50 }));
  check("requests still valid with the simulated clock 17+ min ahead", again.InstanceInformationList.length === 50);

  try {
    await client("wrong").send(new DescribeInstanceInformationCommand({}));
    check("wrong secret refused", false, "accepted");
  } catch (e) {
    check("wrong secret -> InvalidSignatureException", e.name === "InvalidSignatureException", `${e.name}: ${e.message}`);
  }
  try {
    await ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 60 }));
    check("MaxResults 60 refused", false, "accepted");
  } catch (e) {
    check("MaxResults 60 -> ValidationException", e.name === "ValidationException", `${e.name}: ${e.message}`);
  }
} catch (e) {
  check("no unexpected error", false, String(e));
} finally {
  proc.kill("SIGTERM");
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
