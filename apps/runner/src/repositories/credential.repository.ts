import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';

/** A credential reference that names nothing readable: a person must fix it, so it is not retryable. */
export class CredentialUnavailable extends Error {
  override readonly name = 'CredentialUnavailable';
}

/**
 * Reads a secret by its reference on this host: `env:NAME` from the runner's environment,
 * `file:/path` from the file (its content, trailing newline dropped). The value is handed
 * to git or the forge client only; it is never logged, put in an event or given the agent.
 */
@Injectable()
export class CredentialRepository {
  async read(credentialRef: string): Promise<string> {
    if (credentialRef.startsWith('env:')) {
      const name = credentialRef.slice('env:'.length);
      const value = process.env[name];
      if (value === undefined || value === '') throw new CredentialUnavailable(`the credential ${credentialRef} is not set on this runner (variable ${name})`);
      return value;
    }
    if (credentialRef.startsWith('file:')) {
      const file = credentialRef.slice('file:'.length);
      const value = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new CredentialUnavailable(`the credential ${credentialRef} cannot be read on this runner (${error.code ?? 'unreadable'})`);
      });
      return value.replace(/\r?\n$/, '');
    }
    throw new CredentialUnavailable(`the credential reference ${credentialRef} is neither env:NAME nor file:/path`);
  }
}
