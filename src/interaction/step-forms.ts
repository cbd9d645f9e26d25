// The form of each POST page of the sign-in, as the step registrar parses it (step.ts): the fields each page reads.
// Each page's own rules, with messages in the customer's language, come after (login.ts loginForm, recovery.ts, the
// code challenge, consent.ts readChoice, …).
import { BOT_CHECK_FIELDS } from '../services/bot-check.ts';
import { formOf } from './forms.ts';
import { ACCEPT_FIELD, SHOWN_FIELD } from './legal.ts';
import { ATTRIBUTE_INPUTS } from './profile-fields.ts';
import { SIGNUP_PREFERENCES_FIELD } from './signup-preferences.ts';

export const STEP_FORMS = {
  /** Buttons only (abort, decline, resend without a reference): nothing of the body is read. */
  none: formOf(),
  login: formOf('email', 'password', 'proof_challenge', 'proof_nonce', 'switch', ...BOT_CHECK_FIELDS),
  /** "E-mail me a sign-in code": the login form's address, sent with the button's own formaction. */
  emailCode: formOf('email', 'switch', ...BOT_CHECK_FIELDS),
  passkey: formOf('challenge', 'response', 'linking'),
  signup: formOf('email', 'password', SIGNUP_PREFERENCES_FIELD, ACCEPT_FIELD, SHOWN_FIELD, ...ATTRIBUTE_INPUTS, ...BOT_CHECK_FIELDS),
  /** A mailed code typed back, with the reference of the code it answers. */
  code: formOf('ref', 'code'),
  /** "Send a new code", with the bot check's answer where the form carries one (src/services/bot-check.ts). */
  resend: formOf('ref', ...BOT_CHECK_FIELDS),
  /** A button that sends a code and names nothing else: the bot check's answer only. */
  sendCode: formOf(...BOT_CHECK_FIELDS),
  forgot: formOf('email', ...BOT_CHECK_FIELDS),
  reset: formOf('ref', 'code', 'password', 'confirm'),
  mfaSend: formOf('method', ...BOT_CHECK_FIELDS),
  mfaVerify: formOf('method', 'code', 'trust'),
  mfaPasskey: formOf('response', 'trust'),
  enrollTotp: formOf('token', 'code'),
  enrollSms: formOf('phone', ...BOT_CHECK_FIELDS),
  enrollPasskey: formOf('response'),
  welcome: formOf(SIGNUP_PREFERENCES_FIELD),
  profile: formOf(...ATTRIBUTE_INPUTS),
  legal: formOf(ACCEPT_FIELD, SHOWN_FIELD),
  consent: formOf('scope', 'claim'),
};
