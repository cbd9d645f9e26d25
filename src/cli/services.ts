// What the CLI commands need from the composition root (src/app.ts Services satisfies this structurally), kept
// narrow so that each command can be tested with services built directly.
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { ClientService } from '../services/clients.ts';
import type { Connections } from '../services/connections.ts';
import type { ErasureService } from '../services/erasure.ts';
import type { PrivacyExport } from '../services/privacy-export.ts';
import type { KeyStore } from '../services/keys.ts';
import type { OperatorStore } from '../services/operators.ts';
import type { UserService } from '../services/users.ts';
import type { AccountStatus } from '../usecases/account-status.ts';
import type { Webhooks } from '../services/webhooks.ts';
import type { UserImport } from '../services/user-import.ts';
import type { UserExport } from '../services/user-export.ts';
import type { FactorUseCases } from '../usecases/factors.ts';
import type { PasswordUseCases } from '../usecases/password.ts';

export interface CliServices {
  config: Pick<Config, 'ttl' | 'resources' | 'issuer' | 'responseTypes' | 'openRegistration' | 'requestUriByReference'>;
  clients: ClientService;
  connections: Connections;
  users: UserService;
  keys: KeyStore;
  erasure: Pick<ErasureService, 'request' | 'cancel'>;
  privacyExport: PrivacyExport;
  accountStatus: AccountStatus;
  webhooks: Webhooks;
  userImport: UserImport;
  userExport: Pick<UserExport, 'all'>;
  factorChanges: Pick<FactorUseCases, 'resetAll'>;
  passwords: Pick<PasswordUseCases, 'sendResetLink'>;
  /** Who may use the operator console, and as what. */
  operators: Pick<OperatorStore, 'setRole' | 'remove' | 'list'>;
  provider(): Provider;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
}
