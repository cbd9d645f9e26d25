import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { conflict, notFound } from '../../errors.ts';
import { CLAIM_USAGE, claimOptionsConfig, claimsFrom, noPositionals, optionalString, requiredString, UsageError, type Values } from '../args.ts';
import { command } from '../command.ts';
import type { CliServices } from '../services.ts';
import { parseClaims } from '../../services/user-input.ts';
import { customerContact } from '../../usecases/account-status.ts';

export const usersCreate = command({
  usage: `users create --email E (--password P | --password-stdin) [--email-verified]\n        ${CLAIM_USAGE}`,
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    // A password on the command line is visible in the process list and shell history; stdin is not.
    'password-stdin': { type: 'boolean' },
    'email-verified': { type: 'boolean' },
    ...claimOptionsConfig,
  },
  async parse(values, positionals, io) {
    noPositionals(positionals);
    const email = requiredString(values, 'email');
    let password = optionalString(values, 'password');
    if (values['password-stdin'] === true) {
      if (password !== undefined) throw new UsageError('give either --password or --password-stdin, not both');
      password = (await io.readStdin()).replace(/\r?\n$/, '');
    }
    if (password === undefined) throw new UsageError('--password (or --password-stdin) is required');
    return { ...claimsFrom(values), email, password, emailVerified: values['email-verified'] === true };
  },
  execute: (services, input) => services.users.create(input),
});

// --- a customer's data: export and erasure (GDPR) -------------------------------------------------------------

type Who = { id: string } | { email: string };

const whoOptions = { id: { type: 'string' }, email: { type: 'string' } } as const;

function who(values: Values, positionals: string[]): Who {
  noPositionals(positionals);
  const id = optionalString(values, 'id');
  const email = optionalString(values, 'email');
  if (id !== undefined && email !== undefined) throw new UsageError('give either --id or --email, not both');
  if (id) return { id };
  if (email) return { email };
  throw new UsageError('name the customer with --id ID or --email E');
}

async function accountIdOf(services: CliServices, customer: Who): Promise<string> {
  if ('id' in customer) return customer.id;
  const user = await services.users.findByEmail(customer.email);
  if (!user) throw notFound('No account has this e-mail address');
  return user.id;
}

export const usersUpdate = command({
  usage: `users update (--id ID | --email E) ${CLAIM_USAGE}   (sets the standard claims given)`,
  options: { ...whoOptions, ...claimOptionsConfig },
  parse: (values, positionals) => ({ customer: who(values, positionals), claims: parseClaims(claimsFrom(values)) }),
  async execute(services, { customer, claims }) {
    const accountId = await accountIdOf(services, customer);
    if (!(await services.users.findById(accountId))) throw notFound('No such account');
    await services.users.addClaims(accountId, claims);
    return services.users.findById(accountId);
  },
});

export const usersExport = command({
  usage: 'users export (--id ID | --email E)   (everything held on the customer, as one JSON document)',
  options: whoOptions,
  parse: who,
  execute: async (services, customer) => services.privacyExport.build(await accountIdOf(services, customer), { source: 'operator' }),
});

export const usersErase = command({
  usage: 'users erase (--id ID | --email E) [--now]   (after the grace period, ERASURE_GRACE_DAYS; --now: at once)',
  options: { ...whoOptions, now: { type: 'boolean' } },
  parse: (values, positionals) => ({ customer: who(values, positionals), immediate: values.now === true }),
  async execute(services, { customer, immediate }) {
    const accountId = await accountIdOf(services, customer);
    const outcome = await services.erasure.request(accountId, { source: 'operator', immediate });
    return outcome.status === 'scheduled'
      ? { accountId, status: 'scheduled', dueAt: outcome.dueAt.toISOString() }
      : { accountId, status: 'erased', pseudonym: outcome.pseudonym, removed: outcome.removed };
  },
});

export const usersCancelErasure = command({
  usage: 'users cancel-erasure (--id ID | --email E)',
  options: whoOptions,
  parse: who,
  async execute(services, customer) {
    const accountId = await accountIdOf(services, customer);
    if (!(await services.erasure.cancel(accountId, { source: 'operator' }))) throw conflict('No erasure is scheduled for this account');
    return { accountId, status: 'active' };
  },
});

// --- disabling and enabling (src/usecases/account-status.ts, as the management API does) -----------------------

export const usersDisable = command({
  usage: 'users disable (--id ID | --email E)   (sessions end, tokens are revoked, sign-ins are refused)',
  options: whoOptions,
  parse: who,
  async execute(services, customer) {
    const accountId = await accountIdOf(services, customer);
    const ended = await services.accountStatus.disable(accountId, { source: 'cli' });
    return { accountId, status: 'disabled', ...ended };
  },
});

export const usersEnable = command({
  usage: 'users enable (--id ID | --email E)',
  options: whoOptions,
  parse: who,
  async execute(services, customer) {
    const accountId = await accountIdOf(services, customer);
    await services.accountStatus.enable(accountId, { source: 'cli' });
    return { accountId, status: 'active' };
  },
});

// --- support: second factors and passwords (the use cases the management API calls) -----------------------------

async function contactOf(services: CliServices, customer: Who) {
  const view = await services.users.findById(await accountIdOf(services, customer));
  if (!view) throw notFound('No such account');
  return customerContact(view);
}

export const usersResetMfa = command({
  usage: 'users reset-mfa (--id ID | --email E)   (removes every second factor; the customer is told by mail)',
  options: whoOptions,
  parse: who,
  async execute(services, customer) {
    const contact = await contactOf(services, customer);
    return { accountId: contact.accountId, removed: await services.factorChanges.resetAll(contact, { source: 'cli' }) };
  },
});

export const usersSendPasswordReset = command({
  usage: 'users send-password-reset (--id ID | --email E)   (mails a link to set a new password; nothing changes until it is used)',
  options: whoOptions,
  parse: who,
  async execute(services, customer) {
    const contact = await contactOf(services, customer);
    await services.passwords.sendResetLink(contact, { source: 'cli' });
    return { accountId: contact.accountId, sent: true };
  },
});

// --- migration in: accounts from another system, with their password hashes (src/services/user-import.ts) --------

export const usersImport = command({
  usage: 'users import --file F [--dry-run]   (JSON lines: email, email_verified, standard claims, password_hash)',
  options: { file: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  parse: (values, positionals, io) => {
    noPositionals(positionals);
    return { file: requiredString(values, 'file'), dryRun: values['dry-run'] === true, say: io.stderr };
  },
  async execute(services, { file, dryRun, say }) {
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    return services.userImport.run(lines, {
      dryRun,
      onProgress: (r) => say(`${dryRun ? 'checked' : 'imported'} ${r.imported}, rejected ${r.rejectedCount}, of ${r.read} lines\n`),
    });
  },
});

// --- migration out: every account with its password hash (src/services/user-export.ts) ----------------------------

export const usersExportAll = command({
  usage: 'users export-all --file F [--no-password-hashes]   (JSON lines, as `users import` reads them; the file is made readable by its owner only)',
  options: { file: { type: 'string' }, 'no-password-hashes': { type: 'boolean' } },
  parse: (values, positionals, io) => {
    noPositionals(positionals);
    return { file: requiredString(values, 'file'), passwordHashes: values['no-password-hashes'] !== true, say: io.stderr };
  },
  async execute(services, { file, passwordHashes, say }) {
    // Password hashes are credentials: the file is created for its owner alone, and an existing file is not replaced.
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    await once(out, 'open');
    let exported = 0;
    try {
      for await (const row of services.userExport.all({ passwordHashes })) {
        if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
        exported += 1;
        if (exported % 1000 === 0) say(`exported ${exported}\n`);
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    say(`exported ${exported}\n`);
    return { file, exported, passwordHashes };
  },
});
