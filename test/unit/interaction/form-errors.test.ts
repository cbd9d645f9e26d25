// How a form's problems reach its page: several at once (combine), each at its own input (field-error and invalid
// partials), all of them in the error summary that takes the focus, and which typed values come back.
import { z } from 'zod';
import { renderView } from '../../../src/http/views.ts';
import { combine, concerns, fieldProblems, firstProblem, keptSecret, MAX_PASSWORD, problemsOf, type FormError } from '../../../src/interaction/forms.ts';
import { parseAttributes } from '../../../src/interaction/profile-fields.ts';

describe('form errors', () => {
  const email: FormError = { key: 'login.error.emailInvalid', field: 'email' };
  const legal: FormError = { key: 'legal.error.acceptRequired', field: 'accept_legal' };
  const whole: FormError = { key: 'signup.preferences.error.invalid' };

  it('combines problems into one error, the first leading, and lists them back in order', () => {
    expect(combine([])).toBeUndefined();
    expect(combine([email])).toEqual(email);
    const combined = combine([email, legal, whole]);
    expect(combined).toEqual({ ...email, more: [legal, whole] });
    expect(problemsOf(combined)).toEqual([email, legal, whole]);
    expect(problemsOf(undefined)).toEqual([]);
    expect(concerns(combined, 'accept_legal')).toBe(true);
    expect(concerns(combined, 'password')).toBe(false);
  });

  it('reads each field’s first problem from a failed parse, in the form’s order', () => {
    const schema = z.object({ email: z.string().min(1, { error: 'login.error.emailMissing' }).max(3, { error: 'login.error.emailTooLong' }), password: z.string({ error: 'login.error.passwordMissing' }) });
    const parsed = schema.safeParse({ email: '' });
    if (parsed.success) throw new Error('expected a failure');
    expect(fieldProblems(parsed.error, 'login.error.emailInvalid')).toEqual([
      { key: 'login.error.emailMissing', field: 'email' },
      { key: 'login.error.passwordMissing', field: 'password' },
    ]);
    expect(firstProblem(parsed.error, 'login.error.emailInvalid')).toEqual({ key: 'login.error.emailMissing', field: 'email' });
    // A scalar's problem names no field: the caller says which input it was.
    const scalar = z.string({ error: 'login.error.emailInvalid' }).safeParse(3);
    if (scalar.success) throw new Error('expected a failure');
    expect(fieldProblems(scalar.error, 'login.error.emailMissing')).toEqual([{ key: 'login.error.emailInvalid' }]);
  });

  it('keeps a password exactly as typed when the problem is elsewhere, never when it is the password or implausible', () => {
    expect(keptSecret('  spaced out  ', combine([email, legal]))).toBe('  spaced out  ');
    expect(keptSecret('secret', combine([email, { key: 'password.error.common', field: 'password' }]))).toBe('');
    expect(keptSecret('secret', { key: 'reset.error.mismatch', field: 'confirm' }, 'confirm')).toBe('');
    expect(keptSecret(['a', 'b'], legal)).toBe('');
    expect(keptSecret({ $ne: '' }, legal)).toBe('');
    expect(keptSecret('p'.repeat(MAX_PASSWORD + 1), legal)).toBe('');
  });

  it('names every attribute input with a problem, in the form’s order', () => {
    const parsed = parseAttributes(['given_name', 'birthdate', 'address'], { given_name: '', birthdate: 'soon', address_street_address: 'Main St 1', address_locality: 'Town', address_country: 'DK' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(problemsOf(parsed.error).map((p) => p.field)).toEqual(['given_name', 'birthdate', 'address_postal_code']);
  });
});

describe('the sign-up page with several problems', () => {
  const paths = { signup: '/i/signup', login: '/i/login', verify: '/i/v', resend: '/i/r', forgot: '/i/forgot', reset: '/i/reset', abort: '/i/abort' };
  const fields = [{ name: 'given_name', label: 'field.given_name', type: 'text', autocomplete: 'given-name', value: '', maxLength: 100 }];
  const legal = { documents: [{ url: '/legal/terms', title: 'Terms', external: false }], shown: 'f', accepted: false, field: 'accept_legal', shownField: 'legal_shown' };
  const render = (error: FormError | null, password = '') =>
    renderView('signup', 'en', { client: { name: 'Shop' }, csrfToken: 't', paths, email: 'x', password, minLength: '8', fields, legal, terms: null, privacy: null, preferences: null, botCheck: null, error }, 'signup.title');

  it('summarises them in a focused alert whose links name the inputs, each input invalid and described by its own message', () => {
    const html = render(combine([
      { key: 'login.error.emailInvalid', field: 'email' },
      { key: 'field.error.required', field: 'given_name' },
      { key: 'legal.error.acceptRequired', field: 'accept_legal' },
      { key: 'signup.preferences.error.invalid' },
    ]) as FormError);
    expect(html).toMatch(/<div class="alert" role="alert" id="form-error" tabindex="-1" autofocus data-error-summary>/);
    const links = [...html.matchAll(/<li><a href="#([^"]+)">([^<]+)<\/a><\/li>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([
      ['email', 'Enter an e-mail address in the form name@example.com.'],
      ['given_name', 'Fill in “First name”.'],
      ['accept_legal', 'To create an account, tick the box to accept the documents.'],
    ]);
    // The problem about the whole form is listed, unlinked.
    expect(html).toMatch(/<li>[^<]+<\/li>/);
    for (const [id, text] of links) {
      expect(html).toContain(`<p class="field-error" id="${id}-error">${text}</p>`);
      expect(html).toMatch(new RegExp(`<input id="${id}"[^>]* aria-invalid="true" aria-describedby="${id}-error"`));
    }
    // The password is not invalid: described by its hint only.
    expect(html).toMatch(/<input id="password"[^>]* aria-describedby="password-hint">/);
    expect(html).not.toMatch(/<input id="password"[^>]*aria-invalid/);
    expect(html).toMatch(/<input id="accept_legal"[^>]* required[^>]*>\s*<label for="accept_legal">[^<]+<span class="required">\(required\)<\/span>/);
  });

  it('puts a kept password back escaped, and renders no summary and no autofocus on it without problems', () => {
    const html = render({ key: 'legal.error.acceptRequired', field: 'accept_legal' }, 'a "quoted" <pass> & more');
    expect(html).toContain('value="a &#34;quoted&#34; &lt;pass&gt; &amp; more"');
    const clean = render(null);
    expect(clean).not.toContain('data-error-summary');
    expect(clean).not.toContain('aria-invalid');
    expect(clean).toMatch(/<input id="password"[^>]* value=""/);
  });
});
