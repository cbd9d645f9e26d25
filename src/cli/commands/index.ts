import type { Command } from '../command.ts';
import { clientsCreate, clientsDelete, clientsList, clientsRotateSecret, clientsUpdate } from './clients.ts';
import { conformanceSetup } from './conformance.ts';
import { connectionsCreate, connectionsDelete, connectionsList } from './connections.ts';
import { iatCreate } from './iat.ts';
import { operatorsCreate, operatorsList, operatorsRemove } from './operators.ts';
import { keysList, keysRotate } from './keys.ts';
import { apiClientsCreate } from './api-clients.ts';
import { webhooksCreate, webhooksDelete, webhooksList } from './webhooks.ts';
import {
  usersCancelErasure,
  usersCreate,
  usersDisable,
  usersEnable,
  usersErase,
  usersExport,
  usersExportAll,
  usersImport,
  usersResetMfa,
  usersSendPasswordReset,
  usersUpdate,
} from './users.ts';

/** Every command, by its two words (`ciam clients create ...`). */
export const COMMANDS: Readonly<Record<string, Readonly<Record<string, Command>>>> = {
  clients: { create: clientsCreate, list: clientsList, delete: clientsDelete, update: clientsUpdate, 'rotate-secret': clientsRotateSecret },
  users: {
    create: usersCreate,
    update: usersUpdate,
    export: usersExport,
    erase: usersErase,
    'cancel-erasure': usersCancelErasure,
    disable: usersDisable,
    enable: usersEnable,
    import: usersImport,
    'export-all': usersExportAll,
    'reset-mfa': usersResetMfa,
    'send-password-reset': usersSendPasswordReset,
  },
  'api-clients': { create: apiClientsCreate },
  operators: { create: operatorsCreate, list: operatorsList, remove: operatorsRemove },
  webhooks: { create: webhooksCreate, list: webhooksList, delete: webhooksDelete },
  connections: { create: connectionsCreate, list: connectionsList, delete: connectionsDelete },
  keys: { list: keysList, rotate: keysRotate },
  iat: { create: iatCreate },
  conformance: { setup: conformanceSetup },
};
