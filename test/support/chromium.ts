// The browser the trace page's test drives: CHROMIUM_PATH when set (a
// browser of one's own), otherwise the Chromium build that the npm package
// @sparticuz/chromium ships (unpacked into the temporary folder on first use,
// a few seconds), so that `npm ci && npm test` needs nothing outside npm.
import { existsSync } from 'node:fs';

export interface BrowserChoice {
  executablePath: string;
  args: string[];
  /** Where it came from, for messages. */
  source: string;
}

const OWN_BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Resolves to the browser to launch; rejects with one line that says what is missing. */
export async function chooseChromium(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  const own = env.CHROMIUM_PATH;
  if (own !== undefined && own !== '') {
    if (!existsSync(own)) throw new Error(`CHROMIUM_PATH=${own} does not exist`);
    return { executablePath: own, args: OWN_BROWSER_ARGS, source: `CHROMIUM_PATH=${own}` };
  }
  let packaged: typeof import('@sparticuz/chromium').default;
  try {
    packaged = (await import('@sparticuz/chromium')).default;
  } catch (error) {
    throw new Error(`@sparticuz/chromium cannot be loaded (${(error as Error).message}); run npm ci, or set CHROMIUM_PATH to a Chromium of your own`);
  }
  // No WebGL needed: the page is SVG. Skips unpacking the software GL libraries.
  packaged.setGraphicsMode = false;
  const executablePath = await packaged.executablePath();
  // Its flags are meant for one page per process (serverless); in one
  // process closing a page closes the browser, and the test opens several.
  const args = packaged.args.filter((flag) => flag !== '--single-process');
  return { executablePath, args, source: `@sparticuz/chromium (${executablePath})` };
}
