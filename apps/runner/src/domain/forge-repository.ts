/** A repository on a forge: who owns it and its name, as the forge's API addresses it. */
export interface ForgeRepository {
  owner: string;
  name: string;
}

/**
 * The forge repository a project's remote URL names: `https://host/owner/name(.git)`,
 * `ssh://git@host/owner/name(.git)`, `git@host:owner/name(.git)`. Null for a URL that does
 * not name one (a `file://` remote, or a path with other than two parts).
 */
export function forgeRepositoryOf(remoteUrl: string): ForgeRepository | null {
  const scp = /^[\w.-]+@[\w.-]+:(?!\/)(.+)$/.exec(remoteUrl);
  let pathPart: string;
  if (scp) pathPart = scp[1]!;
  else {
    let url: URL;
    try {
      url = new URL(remoteUrl);
    } catch {
      return null;
    }
    if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) return null;
    pathPart = url.pathname;
  }
  const parts = pathPart.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '').split('/');
  if (parts.length !== 2 || parts.some((part) => part === '' || part === '.' || part === '..')) return null;
  return { owner: parts[0]!, name: parts[1]! };
}
