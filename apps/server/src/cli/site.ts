import { createSite, listSites, normalizeOrigin, rotateKeys } from '../store/sites.js';
import { CliFailure, UsageError, formatTable, parseCommandArgs, withDb, type CliIo } from './io.js';

function parseOrigin(raw: string): string {
  let origin: string;
  try {
    origin = normalizeOrigin(raw);
  } catch {
    throw new UsageError(`--origin ${JSON.stringify(raw)} is not a URL; write it as https://www.example.com`);
  }
  if (!/^https?:\/\//.test(origin)) throw new UsageError(`--origin ${JSON.stringify(raw)} must be an http:// or https:// origin`);
  return origin;
}

async function create(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    name: { type: 'string' },
    origin: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is required');
  if (!values.origin?.length) throw new UsageError('at least one --origin is required (where the site\'s pages are served from)');
  const origins = [...new Set(values.origin.map(parseOrigin))];
  const site = await withDb(io.env, (db) => createSite(db, { name, origins }));
  if (values.json) {
    io.stdout(JSON.stringify({ siteId: site.siteId, publicKey: site.publicKey, secretKey: site.secretKey }) + '\n');
    return 0;
  }
  io.stdout(
    [
      `Created site "${site.name}" (${site.siteId})`,
      `  allowed origins: ${site.allowedOrigins.join(', ')}`,
      `  public key:      ${site.publicKey}   for the script tag (data-key); it is in every page, by design`,
      `  secret key:      ${site.secretKey}   for your backend; shown only now: store it, only its hash is kept`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function list(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const sites = await withDb(io.env, (db) => listSites(db));
  if (values.json) {
    io.stdout(JSON.stringify(sites.map((s) => ({ siteId: s.siteId, name: s.name, publicKey: s.publicKey, secretKeyHint: s.secretKeyHint, allowedOrigins: s.allowedOrigins, createdAt: s.createdAt }))) + '\n');
    return 0;
  }
  if (sites.length === 0) {
    io.stdout('No sites yet. Create one with: lazo site create --name NAME --origin https://www.example.com\n');
    return 0;
  }
  const rows = sites.map((s) => [s.siteId, s.name, s.publicKey, s.secretKeyHint, s.allowedOrigins.join(' ')]);
  io.stdout(formatTable(['SITE', 'NAME', 'PUBLIC KEY', 'SECRET KEY', 'ALLOWED ORIGINS'], rows) + '\n');
  return 0;
}

async function rotate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { site: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (!values.site) throw new UsageError('--site ID is required (see `lazo site list`)');
  const which = values.key ?? 'both';
  if (which !== 'secret' && which !== 'public' && which !== 'both') throw new UsageError(`--key must be secret, public or both; got ${JSON.stringify(which)}`);
  const siteId = values.site;
  const keys = await withDb(io.env, (db) => rotateKeys(db, siteId, which));
  if (!keys) throw new CliFailure(`No site ${siteId}. See \`lazo site list\`.`);
  if (values.json) {
    io.stdout(JSON.stringify({ siteId, ...keys }) + '\n');
    return 0;
  }
  const lines = [`New keys for ${siteId}:`];
  if (which !== 'secret') lines.push(`  public key: ${keys.publicKey}   update the script tag (data-key) on every page`);
  if (keys.secretKey) lines.push(`  secret key: ${keys.secretKey}   shown only now: store it, only its hash is kept`);
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

export function runSiteCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create':
      return create(rest, io);
    case 'list':
      return list(rest, io);
    case 'rotate-key':
      return rotate(rest, io);
    default:
      throw new UsageError(sub ? `unknown site command ${JSON.stringify(sub)}` : 'which site command? create, list or rotate-key');
  }
}
