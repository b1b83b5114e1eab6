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
  // The SDK signs with wall time + the offset it took from the last Date header before the sleep: the simulated
  // lead then, 59 s per wall second since the stack started. After 17 wall s at 60x the simulated clock is 16.7 min
  // past that signature, so it is accepted on the wall clock (within 15 min of it), as long as the offset is:
  // a loaded machine slow to get here (over ~15 s) pushes it past. Then the signature is over 15 min from both
  // clocks: the stack must refuse it as AWS does, and the SDK, taking the offset from the refusal's Date header,
  // gets the same request through. Which case applies is decided by the offset and the clocks, measured.
  const offset = ssm.config.systemClockOffset / 1000;
  await new Promise((r) => setTimeout(r, 17000));
  const simAhead = async () => (await (await fetch(`${url}/_local/clock`)).json()).sim_now - Date.now() / 1000;
  const aheadBefore = await simAhead();
  check("the simulated clock is over 16 min ahead of the wall clock", aheadBefore > 16 * 60, `${aheadBefore} s`);
  const request = new DescribeInstanceInformationCommand({ MaxResults: 50 });
  let again;
  let refused;
  try {
    again = await ssm.send(request);
  } catch (e) {
    refused = e;
  }
  const aheadAfter = await simAhead();
  // The signature is `offset` s from the wall clock and between aheadBefore - offset and aheadAfter - offset from
  // the simulated one (15 min = 900 s either way is accepted; 10 s spare for the Date headers' whole seconds).
  const detail = `SDK offset ${offset} s, simulated clock ${aheadBefore}..${aheadAfter} s ahead, ` +
                 (refused ? `refused: ${refused.name}: ${refused.message}` : "accepted");
  console.log(`# ${detail}`);
  if (refused) {
    check("a signature over 15 min from both clocks -> InvalidSignatureException (Signature expired)",
          offset > 890 && aheadAfter - offset > 890 && refused.name === "InvalidSignatureException" &&
          refused.message.startsWith("Signature expired"), detail);
    try {
      again = await ssm.send(request);   // signed with the offset the SDK took from the refusal's Date header
    } catch (e) {
      check("the SDK's corrected clock gets the request through", false, `${e.name}: ${e.message}`);
    }
  } else {
    check("a signature within 15 min of either clock is accepted (and only then)",
          offset < 910 || aheadBefore - offset < 910, detail);
  }
  check("requests still valid with the simulated clock 17+ min ahead", again?.InstanceInformationList?.length === 50, detail);

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
