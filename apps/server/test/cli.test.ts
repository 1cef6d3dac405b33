import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { buildApp } from '../src/app.js';
import { openPglite, openPostgres, type Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { findSiteByKey, listSites } from '../src/store/sites.js';
import { classifyChannel, type ChannelRule } from '@lazo/attribution';
import { demoOrigins, ensureDemoSite } from '../src/demo.js';
import { engines, postgresUrl, type EngineName } from './helpers/engines.js';
import { basic } from './helpers/test-server.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function lazo(env: Record<string, string | undefined>, ...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
  return { code, stdout, stderr };
}

const track = (messageId: string) => ({ batch: [{ type: 'track', event: 'Signed Up', anonymousId: 'a-1', messageId }] });

describe('lazo usage', () => {
  const env = { LAZO_DATA_DIR: join(tmpdir(), 'lazo-never-opened') };

  it('prints help on stdout and exits 0', async () => {
    for (const argv of [['--help'], ['help'], ['site', '--help'], ['serve', '-h']]) {
      const r = await lazo(env, ...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage:\s+lazo/);
      expect(r.stderr).toBe('');
    }
  });

  it.each([
    [[], /Usage: lazo COMMAND/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['site'], /which site command/],
    [['site', 'create', '--origin', 'https://a.example'], /--name is required/],
    [['site', 'create', '--name', 'A'], /at least one --origin/],
    [['site', 'create', '--name', 'A', '--origin', 'not a url'], /--origin "not a url" is not a URL/],
    [['site', 'create', '--name', 'A', '--origin', 'ftp://a.example'], /must be an http/],
    [['site', 'create', '--name', 'A', '--origin', 'https://a.example', '--colour', 'red'], /Unknown option '--colour'/],
    [['site', 'rotate-key'], /--site ID is required/],
    [['site', 'rotate-key', '--site', 'x', '--key', 'all'], /--key must be secret, public or both/],
    [['migrate', 'now'], /unexpected argument now/],
    [['attribute'], /FILE is required/],
  ])('lazo %j is a usage error (exit 2, nothing on stdout)', async (argv, message) => {
    const r = await lazo(env, ...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('rejects a bad PORT before touching the database', async () => {
    const r = await lazo({ ...env, PORT: 'eighty' }, 'serve');
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(/PORT must be a whole number/) });
    expect(existsSync(env.LAZO_DATA_DIR)).toBe(false);
  });

  it('runs `lazo attribute` on a paths file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazo-attr-'));
    const file = join(dir, 'paths.csv');
    writeFileSync(file, 'path;total_conversions;total_conversion_value;total_null\nseo > email;2;20;1\nseo;0;0;3\n');
    const r = await lazo(env, 'attribute', file, '--model', 'first_touch', '--json');
    expect(r.code).toBe(0);
    expect(JSON.stringify(JSON.parse(r.stdout))).toMatch(/seo/);
    expect((await lazo(env, 'attribute', join(dir, 'missing.csv'))).code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe.each(engines)('lazo site and migrate on %s', (engine: EngineName) => {
  let dataDir: string;
  let env: Record<string, string | undefined>;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lazo-cli-'));
    env = engine === 'postgres' ? { DATABASE_URL: postgresUrl, LAZO_DATA_DIR: dataDir } : { LAZO_DATA_DIR: dataDir };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  const openSame = (): Promise<Db> => (engine === 'postgres' ? openPostgres(postgresUrl!, { max: 2 }) : openPglite(dataDir));

  it('migrate applies pending migrations once, then finds nothing to do', async () => {
    const first = await lazo(env, 'migrate');
    expect(first.code).toBe(0);
    // PostgreSQL is shared with the other suites and may be migrated already.
    if (engine === 'pglite') expect(first.stdout).toMatch(/^Applied migration/);
    const second = await lazo(env, 'migrate');
    expect(second).toEqual({ code: 0, stdout: expect.stringMatching(/is up to date/), stderr: '' });
    const db = await openSame();
    const { rows } = await db.query<{ n: number; distinct: number }>('select count(*)::int as n, count(distinct version)::int as distinct from schema_migrations');
    await db.close();
    expect(rows[0]!.n).toBe(rows[0]!.distinct);
  });

  it('site create --json prints exactly the id and both keys, and nothing else on stdout', async () => {
    const r = await lazo(env, 'site', 'create', '--name', 'Shop', '--origin', 'https://shop.example/', '--origin', 'https://*.shop.example', '--json');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.endsWith('\n')).toBe(true);
    const created = JSON.parse(r.stdout);
    expect(Object.keys(created)).toEqual(['siteId', 'publicKey', 'secretKey']);
    expect(created.publicKey).toMatch(/^pk_[A-Za-z0-9_-]{24}$/);
    expect(created.secretKey).toMatch(/^sk_[A-Za-z0-9_-]{32}$/);

    const list = await lazo(env, 'site', 'list', '--json');
    const mine = JSON.parse(list.stdout).find((s: { siteId: string }) => s.siteId === created.siteId);
    expect(mine).toMatchObject({ name: 'Shop', publicKey: created.publicKey, allowedOrigins: ['https://shop.example', 'https://*.shop.example'] });
    // The secret itself is never listed, only its first characters.
    expect(list.stdout).not.toContain(created.secretKey);

    const table = await lazo(env, 'site', 'list');
    expect(table.stdout).toMatch(new RegExp(`${created.siteId}\\s+Shop\\s+${created.publicKey}`));
  });

  it('site create without --json tells which key goes where and that the secret is shown once', async () => {
    const r = await lazo(env, 'site', 'create', '--name', 'Blog', '--origin', 'https://blog.example');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/public key:\s+pk_/);
    expect(r.stdout).toMatch(/secret key:\s+sk_\S+\s+.*shown only now/);
  });

  it('site rotate-key issues new keys: the old secret stops working, the new one works', async () => {
    const created = JSON.parse((await lazo(env, 'site', 'create', '--name', 'Rotating', '--origin', 'https://r.example', '--json')).stdout);
    const rotated = await lazo(env, 'site', 'rotate-key', '--site', created.siteId, '--json');
    expect(rotated.code).toBe(0);
    const keys = JSON.parse(rotated.stdout);
    expect(keys).toEqual({ siteId: created.siteId, publicKey: expect.stringMatching(/^pk_/), secretKey: expect.stringMatching(/^sk_/) });
    expect(keys.secretKey).not.toBe(created.secretKey);
    expect(keys.publicKey).not.toBe(created.publicKey);

    const secretOnly = await lazo(env, 'site', 'rotate-key', '--site', created.siteId, '--key', 'secret');
    expect(secretOnly.stdout).toMatch(/secret key: sk_/);
    expect(secretOnly.stdout).not.toMatch(/public key/);
    const newest = /secret key: (sk_\S+)/.exec(secretOnly.stdout)![1]!;

    const db = await openSame();
    const app = await buildApp({ db, rateLimitPerMinute: false });
    try {
      const post = (key: string, id: string) => app.inject({ method: 'POST', url: '/v1/batch', headers: { authorization: basic(key) }, payload: track(id) });
      const old = await post(created.secretKey, 'm-old');
      expect(old.statusCode).toBe(401);
      expect(old.json().error.code).toBe('LAZO_ERR_AUTH_INVALID');
      expect((await post(keys.secretKey, 'm-mid')).statusCode).toBe(401);
      expect((await post(newest, 'm-new')).statusCode).toBe(200);
      expect((await post(keys.publicKey, 'm-pub')).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.close();
    }
  });

  it('site rotate-key of an unknown site fails with exit 1', async () => {
    const r = await lazo(env, 'site', 'rotate-key', '--site', 'site_nope');
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/No site site_nope/) });
  });
});

/** Runs the built bin, as a user would. */
function bin(env: Record<string, string>, ...argv: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...argv], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('an embedded data directory held by a running server', () => {
  let dataDir: string;
  let server: ChildProcess | undefined;
  let stderr = '';
  let banner = '';
  const env = () => ({ LAZO_DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1' });

  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (\`pnpm test\` does; or \`pnpm --filter @lazo/server build\`).`);
    dataDir = mkdtempSync(join(tmpdir(), 'lazo-lock-'));
  });
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a CLI command with a clear message, then serves on, stops cleanly on SIGTERM and frees the directory', { timeout: 120_000 }, async () => {
    const created = await bin(env(), 'site', 'create', '--name', 'Before', '--origin', 'https://before.example', '--json');
    expect(created.code).toBe(0);

    const child = spawn(process.execPath, [CLI, 'serve', '--demo'], { env: { ...process.env, ...env(), LAZO_DEMO_PERSONS: '40' }, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    child.stderr!.on('data', (d) => (stderr += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lazo serve did not start: ${banner} ${stderr}`)), 60_000);
      child.stdout!.on('data', (d) => {
        banner += d;
        const m = /listening on (http:\/\/\S+)[\s\S]*Stop with Ctrl-C/.exec(banner);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`lazo serve exited with ${code}: ${banner} ${stderr}`)));
    });

    // --demo: the Demo site, its keys (also in the data directory), its generated data and the examples.
    const keys = JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8'));
    expect(banner).toContain(`Demo site "Demo" (site_demo) created`);
    expect(banner).toContain(`public key    ${keys.publicKey}`);
    expect(banner).toContain(`secret key    ${keys.secretKey}`);
    expect(banner).toMatch(/demo data\s+\d+ persons/);
    expect(banner).toContain(`${url}/examples/landing-page/`);
    const port = new URL(url).port;
    expect(banner).toContain(`http://localhost:${port}, http://127.0.0.1:${port}`);

    const refused = await bin(env(), 'site', 'list');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`is in use by another Lazo process (pid ${child.pid})`);
    expect((await bin(env(), 'migrate')).code).toBe(1);

    // The server is untouched by the refused commands.
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    server = undefined;
    expect(stderr).toMatch(/Stopped\./);

    const after = await bin(env(), 'site', 'list', '--json');
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).map((s: { siteId: string }) => s.siteId)).toEqual([JSON.parse(created.stdout).siteId, 'site_demo']);
  });
});

describe('the demo site', () => {
  it('is created once, keeps its keys across starts, gains the origins of a new port, and gets a new secret when its key file is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lazo-demo-'));
    const keysFile = join(dir, 'demo-keys.json');
    const db = await openPglite();
    await migrate(db);
    try {
      const first = await ensureDemoSite(db, { origins: demoOrigins(8787), keysFile });
      expect(first).toMatchObject({ siteId: 'site_demo', created: true, allowedOrigins: ['http://localhost:8787', 'http://127.0.0.1:8787'] });
      expect(statSync(keysFile).mode & 0o777).toBe(0o600);
      // The call center's touches are a channel of their own in the demo, not GA4's Unassigned.
      const settings = (await findSiteByKey(db, first.secretKey))!.site.settings;
      expect(settings.channelRules).toEqual([{ channel: 'Offline', when: { source: 'callcenter' } }]);
      expect(classifyChannel({ source: 'callcenter', medium: 'phone' }, { rules: settings.channelRules as ChannelRule[] })).toBe('Offline');

      const again = await ensureDemoSite(db, { origins: demoOrigins(9000), keysFile });
      expect(again).toMatchObject({ created: false, publicKey: first.publicKey, secretKey: first.secretKey });
      expect(again.allowedOrigins).toEqual(['http://localhost:8787', 'http://127.0.0.1:8787', 'http://localhost:9000', 'http://127.0.0.1:9000']);

      rmSync(keysFile);
      const rotated = await ensureDemoSite(db, { origins: demoOrigins(8787), keysFile });
      expect(rotated.publicKey).toBe(first.publicKey);
      expect(rotated.secretKey).not.toBe(first.secretKey);
      expect(JSON.parse(readFileSync(keysFile, 'utf8'))).toEqual({ siteId: 'site_demo', publicKey: first.publicKey, secretKey: rotated.secretKey });
      expect((await findSiteByKey(db, rotated.secretKey))?.site.siteId).toBe('site_demo');
      expect(await findSiteByKey(db, first.secretKey)).toBeUndefined();
      expect((await listSites(db)).filter((s) => s.siteId === 'site_demo')).toHaveLength(1);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
