// What the operator console is built from (consoleRouter and its page modules): the services it calls, by the part
// of each it uses. Every change goes through the use case the management API and the CLI call.
import type Provider from 'oidc-provider';
import type { FactorService } from '../auth/factors.ts';
import type { Config } from '../config/index.ts';
import type { AuditLog } from '../services/audit.ts';
import type { GrantService } from '../services/grants.ts';
import type { Identities } from '../services/identities.ts';
import type { OperatorStore } from '../services/operators.ts';
import type { ProfileService } from '../services/profile.ts';
import type { SessionService } from '../services/sessions.ts';
import type { SignOut } from '../services/sign-out.ts';
import type { UserDirectory } from '../services/user-directory.ts';
import type { UserService } from '../services/users.ts';
import type { SupportCodes } from '../services/support-codes.ts';
import type { ErasureService } from '../services/erasure.ts';
import type { ClientService } from '../services/clients.ts';
import type { KeyStore } from '../services/keys.ts';
import type { Connections } from '../services/connections.ts';
import type { Webhooks } from '../services/webhooks.ts';
import type { PrivacyExport } from '../services/privacy-export.ts';
import type { AccountStatus } from '../usecases/account-status.ts';
import type { FactorUseCases } from '../usecases/factors.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import type { EmailChange } from '../usecases/email-change.ts';
import type { LegalService } from '../services/legal.ts';
import type { PreferenceService } from '../services/preferences.ts';
import type { ConsentService } from '../services/consents.ts';

export interface ConsoleDeps {
  provider: () => Provider;
  config: Pick<Config, 'issuer' | 'reauthMaxAgeSeconds' | 'ttl' | 'resources' | 'legal' | 'preferences' | 'responseTypes'>;
  /** Connections: the service PUT /connections/{id} and `ciam connections` use. */
  connections: Pick<Connections, 'list' | 'create' | 'put'>;
  /** The signed-in operator's own account (the session reader). */
  profile: Pick<ProfileService, 'get'>;
  operators: Pick<OperatorStore, 'roleOf' | 'access' | 'list' | 'grantSearch' | 'revokeSearch'>;
  audit: Pick<AuditLog, 'record' | 'list' | 'dailyCounts'>;
  // Reading a customer: the services the management API's user resources read.
  users: Pick<UserService, 'findById' | 'findByEmail'>;
  userDirectory: UserDirectory;
  sessions: Pick<SessionService, 'touch' | 'listForAccount'>;
  grants: Pick<GrantService, 'listForAccount'>;
  factors: Pick<FactorService, 'list'>;
  identities: Pick<Identities, 'listForAccount'>;
  /** Legal acceptances, communication preferences and consent history: the services the account center reads. */
  legal: Pick<LegalService, 'history' | 'find'>;
  preferences: Pick<PreferenceService, 'topics' | 'current' | 'history'>;
  consents: Pick<ConsentService, 'history'>;
  // Acting on a customer: the use cases of the management API and the CLI.
  accountStatus: AccountStatus;
  signOut: Pick<SignOut, 'sessionsEverywhere'>;
  factorChanges: Pick<FactorUseCases, 'resetAll'>;
  passwords: Pick<PasswordUseCases, 'sendResetLink'>;
  /** "Resend verification": the e-mail change use case's code for the account's own unverified address. */
  emailChange: Pick<EmailChange, 'requestVerification'>;
  erasure: Pick<ErasureService, 'request' | 'cancel'>;
  /** Apps: the clients service the management API and the CLI call. */
  clients: Pick<ClientService, 'list' | 'get' | 'create' | 'update' | 'rotateSecret'>;
  keys: Pick<KeyStore, 'list' | 'rotate'>;
  /** This process serves new signing keys at once. */
  reloadKeys(): Promise<boolean>;
  webhooks: Pick<Webhooks, 'list' | 'deliveries' | 'replay'>;
  privacyExport: Pick<PrivacyExport, 'build'>;
  /** Finding a customer by the code they read out (support-codes.ts). */
  supportCodes: Pick<SupportCodes, 'lookup' | 'foundBy'>;
}
