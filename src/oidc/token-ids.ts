// Opaque access and refresh tokens start with a marker of their kind (adapters/models.ts TOKEN_PREFIX): introspection
// and revocation look a presented value up in one table instead of three, and a leaked token is recognisable to
// secret scanners. oidc-provider generates the random part; the marker goes in front of it.
import type Provider from 'oidc-provider';
import { TOKEN_PREFIX } from '../../adapters/models.ts';

type TokenClass = { prototype: { generateTokenId(): string } };

export function markTokenIds(provider: Provider): void {
  for (const [model, prefix] of Object.entries(TOKEN_PREFIX)) {
    const token = (provider as unknown as Record<string, TokenClass>)[model];
    if (!token) throw new Error(`oidc-provider has no ${model} model`);
    const generate = token.prototype.generateTokenId;
    token.prototype.generateTokenId = function generateMarkedTokenId(this: unknown) {
      return `${prefix}${generate.call(this)}`;
    };
  }
}
