// Drives headless Chromium (Debian's /usr/bin/chromium, through playwright-core) through the
// round trip a customer makes in a browser: the emulator's hosted Checkout page, a click on Pay
// or Cancel, Stripe's redirect to the server's return page, and a forged link.
//
// Started by server/examples/browser_e2e.rs, which owns the emulator, the server and the app's
// CheckoutFlow: it writes one job (JSON) to stdin and reads one result (JSON) from stdout; it
// checks the result and hands the page's "Open the app" links to handleReturnUrl. Progress goes
// to stderr. Every wait is bounded, and the whole run stops itself after RUN_TIMEOUT_MS.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const STEP_TIMEOUT_MS = 15_000;
const RUN_TIMEOUT_MS = 90_000;
const ANDROID_UA =
  "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

const log = (...a) => console.error("[browser]", ...a);

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

// What the test needs from a rendered return page, read from the DOM as the customer sees it.
async function readPage(page, response, consoleErrors, requests) {
  const main = page.locator("main");
  const openApp = page.locator("#open-app");
  const headers = response ? await response.allHeaders() : {};
  return {
    url: page.url(),
    status: response ? response.status() : 0,
    result: await main.getAttribute("data-result", { timeout: STEP_TIMEOUT_MS }),
    heading: (await page.locator("h1").innerText({ timeout: STEP_TIMEOUT_MS })).trim(),
    text: (await main.innerText({ timeout: STEP_TIMEOUT_MS })).trim(),
    open_app: (await openApp.count()) > 0 ? await openApp.getAttribute("href") : null,
    open_app_label: (await openApp.count()) > 0 ? (await openApp.innerText()).trim() : null,
    // Rendered style proves the nonce'd stylesheet applied under the CSP.
    background: await page.evaluate(() => getComputedStyle(document.querySelector("main")).backgroundColor),
    headers: {
      "content-security-policy": headers["content-security-policy"] ?? null,
      "referrer-policy": headers["referrer-policy"] ?? null,
      "cache-control": headers["cache-control"] ?? null,
      "x-frame-options": headers["x-frame-options"] ?? null,
      "content-type": headers["content-type"] ?? null,
    },
    console_errors: [...consoleErrors],
    subrequests: requests.filter((r) => r !== page.url()),
  };
}

// Opens `url` in a fresh page and, with `click`, presses that button and follows the redirect
// to `returnPrefix`. Returns what the final page shows, and saves a screenshot.
async function visit(context, url, { click, returnPrefix, screenshot, userAgent }) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  if (userAgent) await page.setExtraHTTPHeaders({ "user-agent": userAgent });
  const consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // Chromium logs a 4xx document (the refusal page is a 400) and its own favicon probe as
    // "Failed to load resource"; neither is the page's doing. Everything else counts: CSP
    // violations ("Refused to …"), script errors, any other failed load.
    const where = m.location().url || "";
    const own = where === page.url() || new URL(where || "about:blank", "http://x").pathname === "/favicon.ico";
    if (m.text().startsWith("Failed to load resource") && own) return;
    consoleErrors.push(`${m.text()} (${where})`);
  });
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  let response = await page.goto(url, { waitUntil: "load" });
  if (click) {
    log(`clicking ${click} on ${new URL(url).pathname}`);
    const [returned] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(returnPrefix) && r.request().isNavigationRequest()),
      page.getByRole("button", { name: click, exact: true }).click(),
    ]);
    await page.waitForLoadState("load");
    response = returned;
  }
  // Requests made by the return page itself (there should be none: no images, scripts, fonts).
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.waitForTimeout(200);
  const seen = await readPage(page, response, consoleErrors, requests);
  await page.screenshot({ path: screenshot, fullPage: true });
  seen.screenshot = screenshot;
  await page.close();
  return seen;
}

async function main() {
  const job = await readStdin();
  const profile = mkdtempSync(join(tmpdir(), "cb-chromium-"));
  log(`launching ${job.chromium}`);
  // A fresh profile directory for this run (Playwright takes it as the persistent context's
  // directory and passes --user-data-dir itself); a phone-sized window, as a customer who just
  // paid on their phone sees the page.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: job.chromium,
    headless: true,
    timeout: 30_000,
    viewport: { width: 390, height: 700 },
    deviceScaleFactor: 2,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
  try {
    const prefix = job.return_base;
    const out = { version: context.browser()?.version() ?? "?" };
    out.paid = await visit(context, job.pay_url, {
      click: "Pay",
      returnPrefix: `${prefix}/success`,
      screenshot: join(job.out_dir, "return-page-paid.png"),
    });
    log(`paid: ${out.paid.status} ${out.paid.result}`);
    out.canceled = await visit(context, job.cancel_url, {
      click: "Cancel",
      returnPrefix: `${prefix}/cancel`,
      screenshot: join(job.out_dir, "return-page-canceled.png"),
    });
    log(`canceled: ${out.canceled.status} ${out.canceled.result}`);
    out.forged = await visit(context, job.forged_url, {
      screenshot: join(job.out_dir, "return-page-forged.png"),
    });
    log(`forged: ${out.forged.status} ${out.forged.result}`);
    // The same paid link as Chrome on Android requests it.
    out.android = await visit(context, out.paid.url, {
      userAgent: ANDROID_UA,
      screenshot: join(job.out_dir, "return-page-android.png"),
    });
    process.stdout.write(JSON.stringify(out) + "\n");
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => {
  log(`gave up after ${RUN_TIMEOUT_MS} ms`);
  process.exit(2);
}, RUN_TIMEOUT_MS);
main()
  .then(() => clearTimeout(timer))
  .catch((e) => {
    log(e && e.stack ? e.stack : String(e));
    process.exit(1);
  });
