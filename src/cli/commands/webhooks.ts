import { notFound } from '../../errors.ts';
import { list, noPositionals, requiredString, UsageError } from '../args.ts';
import { command } from '../command.ts';

// Webhook endpoints, as the management API registers them (src/services/webhooks.ts).
export const webhooksCreate = command({
  usage: 'webhooks create --url URL --event TYPE...   (TYPE: an audit event type such as account.disabled, or "*" for all;\n        the signing secret is printed once)',
  options: { url: { type: 'string' }, event: { type: 'string', multiple: true } },
  parse(values, positionals) {
    noPositionals(positionals);
    const events = list(values, 'event');
    if (events.length === 0) throw new UsageError('--event is required (repeat it for several; "*" for every type)');
    return { url: requiredString(values, 'url'), eventTypes: events };
  },
  execute: (services, input) => services.webhooks.create(input),
});

export const webhooksList = command({
  usage: 'webhooks list',
  options: {},
  parse: (_values, positionals) => noPositionals(positionals),
  execute: (services) => services.webhooks.list(),
});

export const webhooksDelete = command({
  usage: 'webhooks delete ID',
  options: {},
  parse(_values, positionals) {
    const [id, extra] = positionals;
    if (!id) throw new UsageError('give the id of the webhook to delete: ciam webhooks delete ID');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    return id;
  },
  async execute(services, id) {
    if (!(await services.webhooks.delete(id))) throw notFound(`No webhook with id "${id}"`);
    return { deleted: id };
  },
});
