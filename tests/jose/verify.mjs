#!/usr/bin/env node
// Verifies ciamd id_tokens with the `jose` library, a JOSE implementation that shares nothing with
// the server, fetching the keys from the server's JWKS endpoint over HTTP as a relying party would.
//
//   node verify.mjs --jwks-url URL --token JWS [--token JWS ...]
//                   [--issuer ISS] [--audience AUD] [--alg RS256|ES256 ...]
//
// Prints one JSON line per token, in argument order:
//   {"ok":true,"protectedHeader":{...},"payload":{...}}
//   {"ok":false,"code":"ERR_JWS_SIGNATURE_VERIFICATION_FAILED","message":"..."}
// Exit code: 0 when every token verified, 1 when any failed, 2 on a usage error or when the script
// itself breaks (nothing printed to stdout then, the reason goes to stderr).
//
// Several tokens share one run and one remote key set because starting node costs far more than a
// verification, and a test that checks many tokens should not pay it per token.
import { createRemoteJWKSet, jwtVerify } from 'jose';

const USAGE =
  'usage: node verify.mjs --jwks-url URL --token JWS [--token JWS ...] ' +
  '[--issuer ISS] [--audience AUD] [--alg RS256|ES256 ...]';

// The algorithms ciamd issues. Anything else (notably "none" or HS256 with the public key as the
// secret) must be refused even if some key would accept it.
const SUPPORTED_ALGS = ['RS256', 'ES256'];

class UsageError extends Error {}

function parseArgs(argv) {
  const opts = { jwksUrl: undefined, tokens: [], issuer: undefined, audience: undefined, algs: [] };
  const single = { '--jwks-url': 'jwksUrl', '--issuer': 'issuer', '--audience': 'audience' };
  for (let i = 0; i < argv.length; i++) {
    let name = argv[i];
    let value;
    const eq = name.indexOf('=');
    if (name.startsWith('--') && eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      if (name === '--help' || name === '-h') throw new UsageError(USAGE);
      if (i + 1 >= argv.length) throw new UsageError(`${name} needs a value`);
      value = argv[++i];
    }
    if (name in single) {
      if (opts[single[name]] !== undefined) throw new UsageError(`${name} given twice`);
      opts[single[name]] = value;
    } else if (name === '--token') {
      opts.tokens.push(value);
    } else if (name === '--alg') {
      if (!SUPPORTED_ALGS.includes(value)) {
        throw new UsageError(`--alg must be one of ${SUPPORTED_ALGS.join(', ')}, not ${value}`);
      }
      opts.algs.push(value);
    } else {
      throw new UsageError(`unknown argument ${name}`);
    }
  }
  if (opts.jwksUrl === undefined) throw new UsageError('--jwks-url is required');
  if (opts.tokens.length === 0) throw new UsageError('at least one --token is required');
  let url;
  try {
    url = new URL(opts.jwksUrl);
  } catch {
    throw new UsageError(`--jwks-url is not a URL: ${opts.jwksUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--jwks-url must be http or https: ${opts.jwksUrl}`);
  }
  opts.jwksUrl = url;
  if (opts.algs.length === 0) opts.algs = SUPPORTED_ALGS;
  return opts;
}

// jose's errors carry a stable `code` (ERR_JWS_INVALID, ERR_JWKS_NO_MATCHING_KEY, ...); network
// errors carry Node's (ECONNREFUSED, ...). Fall back to the error's name so `code` is never empty.
function failure(err) {
  const code = typeof err?.code === 'string' && err.code !== '' ? err.code : err?.name ?? 'Error';
  return { ok: false, code, message: String(err?.message ?? err) };
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${err.message === USAGE ? '' : USAGE + '\n'}`);
    return 2;
  }
  const jwks = createRemoteJWKSet(opts.jwksUrl);
  const verifyOptions = { algorithms: opts.algs };
  if (opts.issuer !== undefined) verifyOptions.issuer = opts.issuer;
  if (opts.audience !== undefined) verifyOptions.audience = opts.audience;

  let allOk = true;
  // Sequential on purpose: the first token fetches the key set and the others reuse it.
  for (const token of opts.tokens) {
    let line;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, verifyOptions);
      line = { ok: true, protectedHeader, payload };
    } catch (err) {
      allOk = false;
      line = failure(err);
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  return allOk ? 0 : 1;
}

// exitCode rather than process.exit(): the latter can cut off stdout still being written to a pipe.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`verify.mjs: ${err?.stack ?? err}\n`);
    process.exitCode = 2;
  },
);
