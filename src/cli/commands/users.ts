import { noPositionals, optionalString, requiredString, UsageError } from '../args.ts';
import { command } from '../command.ts';

export const usersCreate = command({
  usage: 'users create --email E (--password P | --password-stdin) [--name N] [--email-verified]',
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    // A password on the command line is visible in the process list and shell history; stdin is not.
    'password-stdin': { type: 'boolean' },
    name: { type: 'string' },
    'email-verified': { type: 'boolean' },
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
    return { email, password, name: optionalString(values, 'name'), emailVerified: values['email-verified'] === true };
  },
  execute: (services, input) => services.users.create(input),
});
