import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startGateway, type GatewayUnderTest } from './support/harness';
import { StreamClient } from './support/ws-client';

/** Debian's chromium; .ci/run installs it. Without it only the browser part is skipped. */
const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT = join(__dirname, '..', 'docs', 'explorer.png');
const BTC_DOM_PATH = '/tzone_apis/services/stablecoins/btc_dom';
const WAIT_MS = 30_000;

if (!HAS_CHROMIUM) process.stderr.write(`explorer e2e: ${CHROMIUM} is not installed (apt-get install chromium), the headless-browser tests are skipped\n`);

type Channel = { 'x-stream-name'?: string; 'x-stream-kind'?: string };

describe('GET /explorer (e2e)', () => {
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  it('serves the page and its files from the gateway with their content types, and 404 for any other name', async () => {
    const page = await fetch(`${gateway.httpUrl}/explorer`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    // strict CSP (script-src/style-src 'self'): no inline script or style, every file from this origin
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(files).toEqual(expect.arrayContaining(['/explorer/app.js', '/explorer/app.css']));
    for (const file of files) expect(file.startsWith('/explorer/')).toBe(true);

    for (const [file, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['panel.js', 'text/javascript; charset=utf-8'],
      ['app.css', 'text/css; charset=utf-8'],
    ]) {
      const response = await fetch(`${gateway.httpUrl}/explorer/${file}`);
      expect([file, response.status, response.headers.get('content-type')]).toEqual([file, 200, type]);
    }
    for (const name of ['nope.js', '__proto__', '..%2Fexplorer.module.ts', 'constructor']) {
      const response = await fetch(`${gateway.httpUrl}/explorer/${name}`);
      expect([name, response.status]).toEqual([name, 404]);
      expect(await response.json()).toMatchObject({ code: 404 });
    }
  });

  (HAS_CHROMIUM ? describe : describe.skip)(`in headless Chromium (${CHROMIUM})`, () => {
    let browser: Browser;
    let page: Page;
    const problems: string[] = [];
    const panel = (stream: string): Locator => page.locator(`[data-testid="subscription"][data-stream="${stream}"]`);
    const tableRows = (stream: string): Locator => panel(stream).locator('[data-testid="frame-table"] tbody tr');
    /** Polls until the locator matches exactly `count` elements (the view changes when the next frame arrives). */
    const waitForCount = async (locator: Locator, count: number): Promise<void> => {
      const deadline = Date.now() + WAIT_MS;
      let seen = await locator.count();
      while (seen !== count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} elements, still ${seen} after ${WAIT_MS} ms`);
        await page.waitForTimeout(100);
        seen = await locator.count();
      }
    };

    beforeAll(async () => {
      // launch() starts from a fresh, empty temporary profile every time
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      page.setDefaultTimeout(WAIT_MS);
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('loads and lists every stream of /asyncapi.json, views and event streams apart', async () => {
      const contract = (await (await fetch(`${gateway.httpUrl}/asyncapi.json`)).json()) as { channels: Record<string, Channel> };
      const streams = Object.values(contract.channels).filter((channel) => typeof channel['x-stream-name'] === 'string');
      expect(streams.length).toBeGreaterThanOrEqual(13);

      await page.goto(`${gateway.httpUrl}/explorer`);
      await page.locator('[data-testid="stream-item"]').first().waitFor();
      const listed = await page.locator('[data-testid="stream-item"]').evaluateAll((items) => items.map((item) => item.getAttribute('data-stream')));
      expect(listed.sort()).toEqual(streams.map((channel) => channel['x-stream-name']).sort());
      for (const kind of ['view', 'event']) {
        const inGroup = await page.locator(`[data-testid="stream-group"][data-kind="${kind}"] [data-testid="stream-item"]`).count();
        expect([kind, inGroup]).toEqual([kind, streams.filter((channel) => channel['x-stream-kind'] === kind).length]);
      }
    });

    it('subscribes to two streams over /v1/stream and renders a frame of each', async () => {
      for (const stream of ['stablecoins.btc_dom', 'stablecoins.main_table']) {
        await page.locator(`[data-testid="stream-item"][data-stream="${stream}"]`).click();
        await page.getByTestId('subscribe').click();
      }

      // btc_dom: the JSON of the frame, with the same rows the single-stream path serves
      const btc = panel('stablecoins.btc_dom');
      await btc.getByTestId('frame-json').filter({ hasText: '"Title"' }).waitFor();
      const shown = JSON.parse((await btc.getByTestId('frame-json').textContent()) ?? '{}') as Record<string, unknown>;
      expect(shown).toMatchObject({ type: 'view', sub: await btc.getAttribute('data-sub'), seq: expect.any(Number) });
      const direct = StreamClient.connect(gateway.wsUrl(BTC_DOM_PATH));
      try {
        const frame = await direct.next((candidate) => Array.isArray(candidate.results), 10_000);
        expect(shown.results).toEqual(frame.results);
        expect(frame.results[0]).toEqual({ Title: 'Bitcoin Dominance', Value: expect.stringMatching(/^\d+\.\d{2} %$/) });
      } finally {
        direct.socket.close();
      }
      await btc.getByTestId('status').filter({ hasText: 'subscribed' }).waitFor();
      expect(Number(await btc.getByTestId('frame-count').textContent())).toBeGreaterThanOrEqual(1);
      expect(await btc.getByTestId('frame-size').textContent()).toMatch(/^\d+(\.\d)? k?B$/);
      expect(await btc.getByTestId('latency').textContent()).toMatch(/\d+(\.\d)? (ms|s)$/);

      // main_table: a table of the frame's rows, one <tr> per row, the names of the stablecoins in it
      const main = panel('stablecoins.main_table');
      await tableRows('stablecoins.main_table').first().waitFor();
      const frame = JSON.parse((await main.getByTestId('frame-json').textContent()) ?? '{}') as { rows: Array<{ name: string }> };
      expect(frame.rows.length).toBeGreaterThan(3);
      expect(await tableRows('stablecoins.main_table').count()).toBe(frame.rows.length);
      const table = (await main.getByTestId('frame-table').textContent()) ?? '';
      expect(table).toContain('Tether');
      for (const row of frame.rows) expect(table).toContain(row.name);
    });

    it('sends an update with a changed param and shows the new view', async () => {
      const main = panel('stablecoins.main_table');
      const before = Number(await main.getByTestId('frame-count').textContent());
      await main.getByTestId('edit-params').click();
      await main.getByTestId('param-page_size').fill('3');
      await main.getByTestId('update').click();
      await waitForCount(tableRows('stablecoins.main_table'), 3);
      const frame = JSON.parse((await main.getByTestId('frame-json').textContent()) ?? '{}') as { rows: unknown[]; count: number; seq: number };
      expect(frame.rows).toHaveLength(3);
      expect(frame.count).toBeGreaterThan(3); // count is the number of matches before pagination
      expect(Number(await main.getByTestId('frame-count').textContent())).toBeGreaterThan(before);
      expect(await main.getByTestId('params-summary').textContent()).toContain('page_size=3');
      expect(await main.getByTestId('status').textContent()).toBe('subscribed');
    });

    it('takes the screenshot of docs/explorer.png, with no console error on the way (CSP violations included)', async () => {
      await page.waitForTimeout(1_100); // one stats tick: rate and "last frame … ago" filled in
      await panel('stablecoins.main_table').scrollIntoViewIfNeeded();
      mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(existsSync(SCREENSHOT)).toBe(true);
      expect(problems).toEqual([]);
    });
  });
});
