// Telling a customer that a second factor was added to or removed from their account, whichever page did it (the
// sign-in's enrollment step or the account center): the same mail to the account's own address, naming the factor
// the same way the account center lists it. A change someone else made is noticed there.
import type { FactorType, FactorView } from '../auth/types.ts';
import { translator, type Locale, type Translate } from '../i18n/index.ts';

/** A factor as it is named: its kind, and the customer's name for it or its masked destination when it has one. */
export type NamedFactor = { type: FactorType; label?: string | undefined } | Pick<FactorView, 'type' | 'label'>;

/** 'Passkey "Work laptop"', "Text messages to +49 ••• ••12", "Authenticator app". */
export function factorName(t: Translate, factor: NamedFactor): string {
  const plain = t(`account.mfa.type.${factor.type}`);
  return factor.type === 'recovery' || !factor.label || factor.label === plain ? plain : t(`account.mfa.factorName.${factor.type}`, { label: factor.label });
}

export interface FactorMailer {
  queue(msg: { to: string; template: 'factor-added' | 'factor-removed'; locale: Locale; data: Record<string, string> }): void;
}

export function announceFactorChange(
  mailer: FactorMailer,
  input: { to: string; locale: Locale; change: 'added' | 'removed'; factor: NamedFactor },
): void {
  mailer.queue({
    to: input.to,
    template: input.change === 'added' ? 'factor-added' : 'factor-removed',
    locale: input.locale,
    data: { factor: factorName(translator(input.locale), input.factor) },
  });
}
