// Where downloaded corpora and prepared token shards live: FLASHLM_CACHE, else the user's cache directory
// ($XDG_CACHE_HOME/flashlm or ~/.cache/flashlm on Linux, ~/Library/Caches/flashlm on macOS,
// %LOCALAPPDATA%\flashlm on Windows).
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The cache root: `explicit` if given, else $FLASHLM_CACHE, else the platform's user cache dir + /flashlm.
 *
 * @example
 * cacheDir() // '/home/me/.cache/flashlm'
 */
export function cacheDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const env = process.env.FLASHLM_CACHE;
  if (env) return path.resolve(env);
  const home = os.homedir();
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'flashlm');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'flashlm');
  return path.join(process.env.XDG_CACHE_HOME || path.join(home, '.cache'), 'flashlm');
}

/** Local path of a hub file in the cache: <cache>/hub/datasets/<repo>/<revision>/<path>. */
export function hubCachePath(root: string, repo: string, revision: string, file: string): string {
  return path.join(root, 'hub', 'datasets', ...repo.split('/'), revision.replace(/[^\w.-]/g, '_'), ...file.split('/'));
}
