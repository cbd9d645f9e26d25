// E-mail copy (views/emails). {productName} and {email} (the recipient) are always available; templates add their
// own data ({newEmail}, {minutes}, {factor}, {remaining}). "mail.code.expires.*" and "*.remaining.*" are the plural
// forms of Intl.PluralRules (Polish needs one/few/many; the other languages repeat "other").
// "sms.*" are the text messages (src/auth/factors.ts): short, one segment where the alphabet allows, no links.
import { defineMessages } from '../define.ts';

export const mailMessages = defineMessages({
  en: {
    'mail.footer': 'This is an automated message from {productName} to {email}.',
    'mail.code.expires.one': 'The code expires in {minutes} minute.',
    'mail.code.expires.few': 'The code expires in {minutes} minutes.',
    'mail.code.expires.many': 'The code expires in {minutes} minutes.',
    'mail.code.expires.other': 'The code expires in {minutes} minutes.',
    'mail.code.secret': 'Never share this code with anyone. {productName} will never ask you for it by phone, e-mail or chat.',
    'mail.link.instead': 'You can also open this link instead of typing the code:',
    'mail.link.fallback': 'If the button does not work, copy this link into your browser:',

    'mail.verifyEmail.subject': 'Confirm your e-mail address for {productName}',
    'mail.verifyEmail.heading': 'Confirm your e-mail address',
    'mail.verifyEmail.intro': 'To confirm that {email} is your e-mail address, enter this code:',
    'mail.verifyEmail.button': 'Confirm e-mail address',
    'mail.verifyEmail.notYou': 'If you did not ask for this, you can ignore this e-mail. Without the code, the address cannot be confirmed.',

    'mail.passwordReset.subject': 'Reset your {productName} password',
    'mail.passwordReset.heading': 'Reset your password',
    'mail.passwordReset.intro': 'We received a request to reset the password for {email}. To choose a new password, enter this code:',
    'mail.passwordReset.button': 'Choose a new password',
    'mail.passwordReset.notYou':
      'If you did not ask to reset your password, you can ignore this e-mail. Your password has not been changed, and nobody can change it without this code.',

    'mail.passwordResetUnknown.subject': 'Password reset request for {productName}',
    'mail.passwordResetUnknown.heading': 'We could not find your account',
    'mail.passwordResetUnknown.intro':
      'Someone asked to reset the password for {email}, but there is no {productName} account with this e-mail address.',
    'mail.passwordResetUnknown.hint':
      'If it was you, perhaps you signed up with a different address: try again with that one. If you are new here, you can create an account:',
    'mail.passwordResetUnknown.button': 'Create an account',
    'mail.passwordResetUnknown.notYou': 'If you did not ask for this, you can ignore this e-mail.',

    'mail.signinCode.subject': 'Your {productName} sign-in code',
    'mail.signinCode.heading': 'Sign in with this code',
    'mail.signinCode.intro': 'Someone asked to sign in to {productName} as {email} without a password. To sign in, enter this code:',
    'mail.signinCode.button': 'Sign in',
    'mail.signinCode.linkNote': 'The link works only in the browser where you asked for the code.',
    'mail.signinCode.notYou': 'If you did not ask to sign in, ignore this e-mail: nobody can sign in with your address without this code.',

    'mail.signinCodeUnknown.subject': 'Sign-in request for {productName}',
    'mail.signinCodeUnknown.heading': 'We could not find your account',
    'mail.signinCodeUnknown.intro': 'Someone asked for a code to sign in to {productName} as {email}, but there is no account with this e-mail address.',
    'mail.signinCodeUnknown.hint': 'If it was you, perhaps you signed up with a different address: try again with that one.',
    'mail.signinCodeUnknown.signup': 'If you are new here, you can create an account:',
    'mail.signinCodeUnknown.button': 'Create an account',
    'mail.signinCodeUnknown.notYou': 'If you did not ask for this, you can ignore this e-mail.',

    'mail.signupExisting.subject': 'You already have a {productName} account',
    'mail.signupExisting.heading': 'You already have an account',
    'mail.signupExisting.intro':
      'Someone tried to create a {productName} account with {email}, but an account with this address already exists.',
    'mail.signupExisting.signIn': 'If it was you, just sign in:',
    'mail.signupExisting.signInButton': 'Sign in',
    'mail.signupExisting.reset': 'Forgot your password? You can choose a new one:',
    'mail.signupExisting.resetButton': 'Reset password',
    'mail.signupExisting.notYou': 'If you did not try to sign up, you can ignore this e-mail. Nothing about your account has changed.',

    'mail.signInBlocked.subject': 'Failed sign-in attempts on your {productName} account',
    'mail.signInBlocked.heading': 'Someone is trying to sign in to your account',
    'mail.signInBlocked.intro': 'There have just been several sign-in attempts with a wrong password for your {productName} account ({email}). We now slow down further attempts from where they came from; you can still sign in as usual.',
    'mail.signInBlocked.ok': 'If that was you, there is nothing else to do.',
    'mail.signInBlocked.notYou': 'If it was not you, your password is still safe as long as nobody knows it. If you use it anywhere else, or are not sure, choose a new one:',
    'mail.signInBlocked.button': 'Choose a new password',
    'mail.passwordChanged.subject': 'Your {productName} password was changed',
    'mail.passwordChanged.heading': 'Your password was changed',
    'mail.passwordChanged.intro': 'The password of your {productName} account ({email}) was just changed.',
    'mail.passwordChanged.ok': 'If you made this change, there is nothing else to do.',
    'mail.passwordChanged.notYou':
      'If you did not change your password, someone else may know it. Reset your password straight away to secure your account:',
    'mail.passwordChanged.button': 'Reset password',

    'mail.emailChangeVerify.subject': 'Confirm your new e-mail address for {productName}',
    'mail.emailChangeVerify.heading': 'Confirm your new e-mail address',
    'mail.emailChangeVerify.intro':
      'You asked to use {email} as the e-mail address of your {productName} account. To confirm the change, enter this code:',
    'mail.emailChangeVerify.button': 'Confirm new address',
    'mail.emailChangeVerify.notYou':
      'If you did not ask for this, you can ignore this e-mail. Without the code, this address will not be added to any account.',

    'mail.emailChanged.subject': 'The e-mail address of your {productName} account was changed',
    'mail.emailChanged.heading': 'Your e-mail address was changed',
    'mail.emailChanged.intro': 'The e-mail address of your {productName} account was changed from {email} to {newEmail}.',
    'mail.emailChanged.next': 'From now on, sign in with {newEmail}. We will send messages about your account to that address only.',
    'mail.emailChanged.notYou':
      'If you did not make this change, someone else may have access to your account. Contact {productName} support straight away.',

    'mail.security.button': 'Review sign-in security',

    'mail.linkIdentity.subject': 'Link your {name} sign-in to your {productName} account',
    'mail.linkIdentity.heading': 'Link your {name} sign-in',
    'mail.linkIdentity.intro': 'Someone is linking a sign-in with {name} to your {productName} account ({email}). If that is you, enter this code:',
    'mail.linkIdentity.notYou': 'If you did not just sign in with {name}, do not enter or share this code: without it, nothing is linked, and your account stays as it is.',

    'mail.mfaCode.subject': 'Your {productName} security code',
    'mail.mfaCode.heading': 'Your security code',
    'mail.mfaCode.intro': 'To confirm that it is you, enter this code in {productName}:',
    'mail.mfaCode.notYou':
      'If you did not just sign in or change your sign-in settings, someone else may know your password. Change it straight away.',

    'mail.recoveryCodeUsed.subject': 'A recovery code was used for your {productName} account',
    'mail.recoveryCodeUsed.heading': 'A recovery code was used',
    'mail.recoveryCodeUsed.intro':
      'One of your recovery codes was just used to sign in to your {productName} account ({email}). It cannot be used again.',
    'mail.recoveryCodeUsed.remaining.one': 'You have {remaining} recovery code left.',
    'mail.recoveryCodeUsed.remaining.few': 'You have {remaining} recovery codes left.',
    'mail.recoveryCodeUsed.remaining.many': 'You have {remaining} recovery codes left.',
    'mail.recoveryCodeUsed.remaining.other': 'You have {remaining} recovery codes left.',
    'mail.recoveryCodeUsed.none': 'You have no recovery codes left. Create new ones in your sign-in security settings.',
    'mail.recoveryCodeUsed.notYou':
      'If this was not you, someone knows your password and has one of your recovery codes. Change your password and create new recovery codes straight away:',

    'mail.factorAdded.subject': 'A sign-in method was added to your {productName} account',
    'mail.factorAdded.heading': 'New sign-in method added',
    'mail.factorAdded.intro': '{factor} was added as a way to confirm sign-ins to your {productName} account ({email}).',
    'mail.factorAdded.notYou':
      'If you did not add it, someone else may have access to your account. Remove it and change your password straight away:',

    'mail.factorRemoved.subject': 'A sign-in method was removed from your {productName} account',
    'mail.factorRemoved.heading': 'Sign-in method removed',
    'mail.factorRemoved.intro': '{factor} can no longer be used to confirm sign-ins to your {productName} account ({email}).',
    'mail.factorRemoved.notYou':
      'If you did not remove it, someone else may have access to your account. Change your password and check your sign-in methods straight away:',

    'mail.passwordResetLink.subject': 'Reset your {productName} password',
    'mail.passwordResetLink.heading': 'Set a new password',
    'mail.passwordResetLink.intro':
      'The {productName} support team sent you this link to set a new password for your account ({email}). It asks for a code that we send to this address:',
    'mail.passwordResetLink.button': 'Set a new password',
    'mail.passwordResetLink.notYou': 'If you did not ask for help, ignore this e-mail: your password stays as it is.',

    'mail.factorsReset.subject': 'The second factors of your {productName} account were removed',
    'mail.factorsReset.heading': 'Second factors removed',
    'mail.factorsReset.intro':
      'The {productName} support team removed every second factor (authenticator apps, passkeys, phone numbers, recovery codes) from your account ({email}).',
    'mail.factorsReset.next': 'When you next sign in, you may be asked to set up a new one.',
    'mail.factorsReset.notYou':
      'If you did not ask support for this, change your password and check your sign-in methods straight away:',

    'sms.code': '{code} is your {productName} code. It expires in {minutes} min. Never share it.',
  },
  de: {
    'mail.footer': 'Dies ist eine automatische Nachricht von {productName} an {email}.',
    'mail.code.expires.one': 'Der Code ist {minutes} Minute lang gültig.',
    'mail.code.expires.few': 'Der Code ist {minutes} Minuten lang gültig.',
    'mail.code.expires.many': 'Der Code ist {minutes} Minuten lang gültig.',
    'mail.code.expires.other': 'Der Code ist {minutes} Minuten lang gültig.',
    'mail.code.secret': 'Geben Sie diesen Code niemals weiter. {productName} wird Sie nie per Telefon, E-Mail oder Chat danach fragen.',
    'mail.link.instead': 'Statt den Code einzugeben, können Sie auch diesen Link öffnen:',
    'mail.link.fallback': 'Falls die Schaltfläche nicht funktioniert, kopieren Sie diesen Link in Ihren Browser:',

    'mail.verifyEmail.subject': 'Bestätigen Sie Ihre E-Mail-Adresse für {productName}',
    'mail.verifyEmail.heading': 'Bestätigen Sie Ihre E-Mail-Adresse',
    'mail.verifyEmail.intro': 'Geben Sie diesen Code ein, um zu bestätigen, dass {email} Ihre E-Mail-Adresse ist:',
    'mail.verifyEmail.button': 'E-Mail-Adresse bestätigen',
    'mail.verifyEmail.notYou':
      'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren. Ohne den Code kann die Adresse nicht bestätigt werden.',

    'mail.passwordReset.subject': 'Passwort für {productName} zurücksetzen',
    'mail.passwordReset.heading': 'Passwort zurücksetzen',
    'mail.passwordReset.intro':
      'Wir haben eine Anfrage erhalten, das Passwort für {email} zurückzusetzen. Geben Sie diesen Code ein, um ein neues Passwort festzulegen:',
    'mail.passwordReset.button': 'Neues Passwort festlegen',
    'mail.passwordReset.notYou':
      'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren. Ihr Passwort bleibt unverändert, und ohne diesen Code kann es niemand ändern.',

    'mail.passwordResetUnknown.subject': 'Anfrage zum Zurücksetzen des Passworts bei {productName}',
    'mail.passwordResetUnknown.heading': 'Wir haben kein Konto gefunden',
    'mail.passwordResetUnknown.intro':
      'Jemand hat angefordert, das Passwort für {email} zurückzusetzen, aber es gibt kein Konto bei {productName} mit dieser E-Mail-Adresse.',
    'mail.passwordResetUnknown.hint':
      'Falls Sie das waren, haben Sie sich vielleicht mit einer anderen Adresse registriert – versuchen Sie es mit dieser erneut. Wenn Sie neu hier sind, können Sie ein Konto erstellen:',
    'mail.passwordResetUnknown.button': 'Konto erstellen',
    'mail.passwordResetUnknown.notYou': 'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.',

    'mail.signinCode.subject': 'Ihr Anmeldecode für {productName}',
    'mail.signinCode.heading': 'Mit diesem Code anmelden',
    'mail.signinCode.intro': 'Jemand möchte sich ohne Passwort als {email} bei {productName} anmelden. Geben Sie zum Anmelden diesen Code ein:',
    'mail.signinCode.button': 'Anmelden',
    'mail.signinCode.linkNote': 'Der Link funktioniert nur in dem Browser, in dem Sie den Code angefordert haben.',
    'mail.signinCode.notYou': 'Wenn Sie sich nicht anmelden wollten, ignorieren Sie diese E-Mail: Ohne diesen Code kann sich niemand mit Ihrer Adresse anmelden.',

    'mail.signinCodeUnknown.subject': 'Anmeldeanfrage bei {productName}',
    'mail.signinCodeUnknown.heading': 'Wir haben kein Konto gefunden',
    'mail.signinCodeUnknown.intro': 'Jemand hat einen Code angefordert, um sich als {email} bei {productName} anzumelden, aber zu dieser E-Mail-Adresse gibt es kein Konto.',
    'mail.signinCodeUnknown.hint': 'Falls Sie das waren, haben Sie sich vielleicht mit einer anderen Adresse registriert: Versuchen Sie es mit dieser.',
    'mail.signinCodeUnknown.signup': 'Wenn Sie neu hier sind, können Sie ein Konto erstellen:',
    'mail.signinCodeUnknown.button': 'Konto erstellen',
    'mail.signinCodeUnknown.notYou': 'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren.',

    'mail.signupExisting.subject': 'Sie haben bereits ein Konto bei {productName}',
    'mail.signupExisting.heading': 'Sie haben bereits ein Konto',
    'mail.signupExisting.intro':
      'Jemand hat versucht, mit {email} ein Konto bei {productName} zu erstellen, aber mit dieser Adresse gibt es bereits ein Konto.',
    'mail.signupExisting.signIn': 'Falls Sie das waren, melden Sie sich einfach an:',
    'mail.signupExisting.signInButton': 'Anmelden',
    'mail.signupExisting.reset': 'Passwort vergessen? Sie können ein neues festlegen:',
    'mail.signupExisting.resetButton': 'Passwort zurücksetzen',
    'mail.signupExisting.notYou':
      'Wenn Sie nicht versucht haben, sich zu registrieren, können Sie diese E-Mail ignorieren. An Ihrem Konto wurde nichts geändert.',

    'mail.signInBlocked.subject': 'Fehlgeschlagene Anmeldeversuche bei Ihrem Konto bei {productName}',
    'mail.signInBlocked.heading': 'Jemand versucht, sich bei Ihrem Konto anzumelden',
    'mail.signInBlocked.intro': 'Soeben gab es mehrere Anmeldeversuche mit falschem Passwort bei Ihrem Konto bei {productName} ({email}). Weitere Versuche von dort bremsen wir jetzt aus; Sie selbst können sich wie gewohnt anmelden.',
    'mail.signInBlocked.ok': 'Wenn Sie das selbst waren, müssen Sie nichts weiter tun.',
    'mail.signInBlocked.notYou': 'Wenn Sie es nicht waren: Ihr Passwort ist sicher, solange niemand es kennt. Wenn Sie es auch anderswo verwenden oder unsicher sind, wählen Sie ein neues:',
    'mail.signInBlocked.button': 'Neues Passwort wählen',
    'mail.passwordChanged.subject': 'Ihr Passwort für {productName} wurde geändert',
    'mail.passwordChanged.heading': 'Ihr Passwort wurde geändert',
    'mail.passwordChanged.intro': 'Das Passwort Ihres Kontos bei {productName} ({email}) wurde soeben geändert.',
    'mail.passwordChanged.ok': 'Wenn Sie das selbst waren, müssen Sie nichts weiter tun.',
    'mail.passwordChanged.notYou':
      'Wenn Sie Ihr Passwort nicht geändert haben, kennt es möglicherweise jemand anderes. Setzen Sie Ihr Passwort sofort zurück, um Ihr Konto zu schützen:',
    'mail.passwordChanged.button': 'Passwort zurücksetzen',

    'mail.emailChangeVerify.subject': 'Bestätigen Sie Ihre neue E-Mail-Adresse für {productName}',
    'mail.emailChangeVerify.heading': 'Bestätigen Sie Ihre neue E-Mail-Adresse',
    'mail.emailChangeVerify.intro':
      'Sie möchten {email} als E-Mail-Adresse Ihres Kontos bei {productName} verwenden. Geben Sie diesen Code ein, um die Änderung zu bestätigen:',
    'mail.emailChangeVerify.button': 'Neue Adresse bestätigen',
    'mail.emailChangeVerify.notYou':
      'Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren. Ohne den Code wird diese Adresse keinem Konto hinzugefügt.',

    'mail.emailChanged.subject': 'Die E-Mail-Adresse Ihres Kontos bei {productName} wurde geändert',
    'mail.emailChanged.heading': 'Ihre E-Mail-Adresse wurde geändert',
    'mail.emailChanged.intro': 'Die E-Mail-Adresse Ihres Kontos bei {productName} wurde von {email} in {newEmail} geändert.',
    'mail.emailChanged.next': 'Melden Sie sich ab jetzt mit {newEmail} an. Nachrichten zu Ihrem Konto senden wir nur noch an diese Adresse.',
    'mail.emailChanged.notYou':
      'Wenn Sie diese Änderung nicht vorgenommen haben, hat möglicherweise jemand anderes Zugriff auf Ihr Konto. Wenden Sie sich sofort an den Support von {productName}.',

    'mail.security.button': 'Anmeldesicherheit prüfen',

    'mail.linkIdentity.subject': 'Ihre Anmeldung mit {name} mit Ihrem {productName}-Konto verknüpfen',
    'mail.linkIdentity.heading': 'Anmeldung mit {name} verknüpfen',
    'mail.linkIdentity.intro': 'Jemand verknüpft eine Anmeldung mit {name} mit Ihrem {productName}-Konto ({email}). Wenn Sie das sind, geben Sie diesen Code ein:',
    'mail.linkIdentity.notYou': 'Wenn Sie sich nicht gerade mit {name} angemeldet haben, geben Sie diesen Code weder ein noch weiter: Ohne ihn wird nichts verknüpft, und Ihr Konto bleibt, wie es ist.',

    'mail.mfaCode.subject': 'Ihr Sicherheitscode für {productName}',
    'mail.mfaCode.heading': 'Ihr Sicherheitscode',
    'mail.mfaCode.intro': 'Geben Sie diesen Code bei {productName} ein, um zu bestätigen, dass Sie es sind:',
    'mail.mfaCode.notYou':
      'Wenn Sie sich nicht gerade angemeldet oder Ihre Anmeldeeinstellungen geändert haben, kennt möglicherweise jemand anderes Ihr Passwort. Ändern Sie es sofort.',

    'mail.recoveryCodeUsed.subject': 'Für Ihr Konto bei {productName} wurde ein Wiederherstellungscode verwendet',
    'mail.recoveryCodeUsed.heading': 'Ein Wiederherstellungscode wurde verwendet',
    'mail.recoveryCodeUsed.intro':
      'Mit einem Ihrer Wiederherstellungscodes hat sich soeben jemand bei Ihrem Konto bei {productName} ({email}) angemeldet. Dieser Code ist jetzt verbraucht.',
    'mail.recoveryCodeUsed.remaining.one': 'Sie haben noch {remaining} Wiederherstellungscode.',
    'mail.recoveryCodeUsed.remaining.few': 'Sie haben noch {remaining} Wiederherstellungscodes.',
    'mail.recoveryCodeUsed.remaining.many': 'Sie haben noch {remaining} Wiederherstellungscodes.',
    'mail.recoveryCodeUsed.remaining.other': 'Sie haben noch {remaining} Wiederherstellungscodes.',
    'mail.recoveryCodeUsed.none':
      'Sie haben keine Wiederherstellungscodes mehr. Erstellen Sie neue in Ihren Einstellungen zur Anmeldesicherheit.',
    'mail.recoveryCodeUsed.notYou':
      'Wenn Sie das nicht waren, kennt jemand Ihr Passwort und besitzt einen Ihrer Wiederherstellungscodes. Ändern Sie sofort Ihr Passwort und erstellen Sie neue Wiederherstellungscodes:',

    'mail.factorAdded.subject': 'Ihrem Konto bei {productName} wurde eine Anmeldemethode hinzugefügt',
    'mail.factorAdded.heading': 'Neue Anmeldemethode hinzugefügt',
    'mail.factorAdded.intro': '{factor} wurde Ihrem Konto bei {productName} ({email}) als Möglichkeit hinzugefügt, Anmeldungen zu bestätigen.',
    'mail.factorAdded.notYou':
      'Wenn Sie das nicht waren, hat möglicherweise jemand anderes Zugriff auf Ihr Konto. Entfernen Sie die Methode und ändern Sie sofort Ihr Passwort:',

    'mail.factorRemoved.subject': 'Aus Ihrem Konto bei {productName} wurde eine Anmeldemethode entfernt',
    'mail.factorRemoved.heading': 'Anmeldemethode entfernt',
    'mail.factorRemoved.intro': '{factor} kann nicht mehr verwendet werden, um Anmeldungen bei Ihrem Konto bei {productName} ({email}) zu bestätigen.',
    'mail.factorRemoved.notYou':
      'Wenn Sie das nicht waren, hat möglicherweise jemand anderes Zugriff auf Ihr Konto. Ändern Sie sofort Ihr Passwort und prüfen Sie Ihre Anmeldemethoden:',

    'mail.passwordResetLink.subject': 'Setzen Sie Ihr Passwort für {productName} zurück',
    'mail.passwordResetLink.heading': 'Neues Passwort festlegen',
    'mail.passwordResetLink.intro':
      'Das Support-Team von {productName} hat Ihnen diesen Link geschickt, damit Sie ein neues Passwort für Ihr Konto ({email}) festlegen können. Dabei fragen wir nach einem Code, den wir an diese Adresse senden:',
    'mail.passwordResetLink.button': 'Neues Passwort festlegen',
    'mail.passwordResetLink.notYou': 'Wenn Sie keine Hilfe angefragt haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.',

    'mail.factorsReset.subject': 'Die zweiten Faktoren Ihres Kontos bei {productName} wurden entfernt',
    'mail.factorsReset.heading': 'Zweite Faktoren entfernt',
    'mail.factorsReset.intro':
      'Das Support-Team von {productName} hat alle zweiten Faktoren (Authenticator-Apps, Passkeys, Telefonnummern, Wiederherstellungscodes) aus Ihrem Konto ({email}) entfernt.',
    'mail.factorsReset.next': 'Bei Ihrer nächsten Anmeldung werden Sie möglicherweise gebeten, einen neuen einzurichten.',
    'mail.factorsReset.notYou':
      'Wenn Sie das nicht beim Support angefragt haben, ändern Sie sofort Ihr Passwort und prüfen Sie Ihre Anmeldemethoden:',

    'sms.code': '{code} ist Ihr Code für {productName}. Gültig für {minutes} Min. Geben Sie ihn niemals weiter.',
  },
  da: {
    'mail.footer': 'Dette er en automatisk besked fra {productName} til {email}.',
    'mail.code.expires.one': 'Koden udløber om {minutes} minut.',
    'mail.code.expires.few': 'Koden udløber om {minutes} minutter.',
    'mail.code.expires.many': 'Koden udløber om {minutes} minutter.',
    'mail.code.expires.other': 'Koden udløber om {minutes} minutter.',
    'mail.code.secret': 'Del aldrig denne kode med nogen. {productName} vil aldrig bede dig om den via telefon, e-mail eller chat.',
    'mail.link.instead': 'Du kan også åbne dette link i stedet for at indtaste koden:',
    'mail.link.fallback': 'Hvis knappen ikke virker, så kopiér dette link ind i din browser:',

    'mail.verifyEmail.subject': 'Bekræft din e-mailadresse til {productName}',
    'mail.verifyEmail.heading': 'Bekræft din e-mailadresse',
    'mail.verifyEmail.intro': 'Indtast denne kode for at bekræfte, at {email} er din e-mailadresse:',
    'mail.verifyEmail.button': 'Bekræft e-mailadresse',
    'mail.verifyEmail.notYou': 'Hvis du ikke har bedt om dette, kan du se bort fra denne e-mail. Uden koden kan adressen ikke bekræftes.',

    'mail.passwordReset.subject': 'Nulstil din adgangskode til {productName}',
    'mail.passwordReset.heading': 'Nulstil din adgangskode',
    'mail.passwordReset.intro':
      'Vi har modtaget en anmodning om at nulstille adgangskoden til {email}. Indtast denne kode for at vælge en ny adgangskode:',
    'mail.passwordReset.button': 'Vælg en ny adgangskode',
    'mail.passwordReset.notYou':
      'Hvis du ikke har bedt om at nulstille din adgangskode, kan du se bort fra denne e-mail. Din adgangskode er ikke ændret, og ingen kan ændre den uden denne kode.',

    'mail.passwordResetUnknown.subject': 'Anmodning om nulstilling af adgangskode til {productName}',
    'mail.passwordResetUnknown.heading': 'Vi kunne ikke finde din konto',
    'mail.passwordResetUnknown.intro':
      'Nogen har bedt om at nulstille adgangskoden til {email}, men der findes ingen konto hos {productName} med denne e-mailadresse.',
    'mail.passwordResetUnknown.hint':
      'Hvis det var dig, har du måske oprettet dig med en anden adresse – prøv igen med den. Er du ny her, kan du oprette en konto:',
    'mail.passwordResetUnknown.button': 'Opret en konto',
    'mail.passwordResetUnknown.notYou': 'Hvis du ikke har bedt om dette, kan du se bort fra denne e-mail.',

    'mail.signinCode.subject': 'Din login-kode til {productName}',
    'mail.signinCode.heading': 'Log ind med denne kode',
    'mail.signinCode.intro': 'Nogen har bedt om at logge ind på {productName} som {email} uden adgangskode. Indtast denne kode for at logge ind:',
    'mail.signinCode.button': 'Log ind',
    'mail.signinCode.linkNote': 'Linket virker kun i den browser, hvor du bad om koden.',
    'mail.signinCode.notYou': 'Hvis du ikke har bedt om at logge ind, kan du se bort fra denne e-mail: ingen kan logge ind med din adresse uden denne kode.',

    'mail.signinCodeUnknown.subject': 'Anmodning om login til {productName}',
    'mail.signinCodeUnknown.heading': 'Vi kunne ikke finde din konto',
    'mail.signinCodeUnknown.intro': 'Nogen har bedt om en kode til at logge ind på {productName} som {email}, men der findes ingen konto med denne e-mailadresse.',
    'mail.signinCodeUnknown.hint': 'Hvis det var dig, har du måske oprettet dig med en anden adresse: prøv igen med den.',
    'mail.signinCodeUnknown.signup': 'Hvis du er ny her, kan du oprette en konto:',
    'mail.signinCodeUnknown.button': 'Opret en konto',
    'mail.signinCodeUnknown.notYou': 'Hvis du ikke har bedt om dette, kan du se bort fra denne e-mail.',

    'mail.signupExisting.subject': 'Du har allerede en konto hos {productName}',
    'mail.signupExisting.heading': 'Du har allerede en konto',
    'mail.signupExisting.intro':
      'Nogen har forsøgt at oprette en konto hos {productName} med {email}, men der findes allerede en konto med denne adresse.',
    'mail.signupExisting.signIn': 'Hvis det var dig, så log bare ind:',
    'mail.signupExisting.signInButton': 'Log ind',
    'mail.signupExisting.reset': 'Har du glemt din adgangskode? Du kan vælge en ny:',
    'mail.signupExisting.resetButton': 'Nulstil adgangskode',
    'mail.signupExisting.notYou':
      'Hvis du ikke har forsøgt at oprette en konto, kan du se bort fra denne e-mail. Der er ikke ændret noget på din konto.',

    'mail.signInBlocked.subject': 'Mislykkede loginforsøg på din konto hos {productName}',
    'mail.signInBlocked.heading': 'Nogen prøver at logge ind på din konto',
    'mail.signInBlocked.intro': 'Der har lige været flere loginforsøg med forkert adgangskode på din konto hos {productName} ({email}). Vi bremser nu yderligere forsøg derfra; du kan selv logge ind som sædvanligt.',
    'mail.signInBlocked.ok': 'Hvis det var dig, behøver du ikke gøre mere.',
    'mail.signInBlocked.notYou': 'Hvis det ikke var dig, er din adgangskode sikker, så længe ingen kender den. Bruger du den også andre steder, eller er du i tvivl, så vælg en ny:',
    'mail.signInBlocked.button': 'Vælg en ny adgangskode',
    'mail.passwordChanged.subject': 'Din adgangskode til {productName} er blevet ændret',
    'mail.passwordChanged.heading': 'Din adgangskode er blevet ændret',
    'mail.passwordChanged.intro': 'Adgangskoden til din konto hos {productName} ({email}) er lige blevet ændret.',
    'mail.passwordChanged.ok': 'Hvis det var dig, behøver du ikke gøre mere.',
    'mail.passwordChanged.notYou':
      'Hvis du ikke selv har ændret din adgangskode, kender en anden den måske. Nulstil din adgangskode med det samme for at beskytte din konto:',
    'mail.passwordChanged.button': 'Nulstil adgangskode',

    'mail.emailChangeVerify.subject': 'Bekræft din nye e-mailadresse til {productName}',
    'mail.emailChangeVerify.heading': 'Bekræft din nye e-mailadresse',
    'mail.emailChangeVerify.intro':
      'Du har bedt om at bruge {email} som e-mailadresse til din konto hos {productName}. Indtast denne kode for at bekræfte ændringen:',
    'mail.emailChangeVerify.button': 'Bekræft ny adresse',
    'mail.emailChangeVerify.notYou':
      'Hvis du ikke har bedt om dette, kan du se bort fra denne e-mail. Uden koden bliver adressen ikke tilføjet til nogen konto.',

    'mail.emailChanged.subject': 'E-mailadressen til din konto hos {productName} er blevet ændret',
    'mail.emailChanged.heading': 'Din e-mailadresse er blevet ændret',
    'mail.emailChanged.intro': 'E-mailadressen til din konto hos {productName} er blevet ændret fra {email} til {newEmail}.',
    'mail.emailChanged.next': 'Fremover skal du logge ind med {newEmail}. Vi sender kun beskeder om din konto til den adresse.',
    'mail.emailChanged.notYou':
      'Hvis du ikke selv har foretaget ændringen, kan en anden have adgang til din konto. Kontakt supporten hos {productName} med det samme.',

    'mail.security.button': 'Gennemgå loginsikkerhed',

    'mail.linkIdentity.subject': 'Knyt dit {name}-login til din {productName}-konto',
    'mail.linkIdentity.heading': 'Knyt dit {name}-login',
    'mail.linkIdentity.intro': 'Nogen er ved at knytte et login med {name} til din {productName}-konto ({email}). Hvis det er dig, så indtast denne kode:',
    'mail.linkIdentity.notYou': 'Hvis du ikke lige har logget ind med {name}, skal du hverken indtaste eller dele koden: uden den bliver intet knyttet, og din konto forbliver, som den er.',

    'mail.mfaCode.subject': 'Din sikkerhedskode til {productName}',
    'mail.mfaCode.heading': 'Din sikkerhedskode',
    'mail.mfaCode.intro': 'Indtast denne kode hos {productName} for at bekræfte, at det er dig:',
    'mail.mfaCode.notYou':
      'Hvis du ikke lige har logget ind eller ændret dine loginindstillinger, kender en anden måske din adgangskode. Skift den med det samme.',

    'mail.recoveryCodeUsed.subject': 'Der er brugt en gendannelseskode til din konto hos {productName}',
    'mail.recoveryCodeUsed.heading': 'Der er brugt en gendannelseskode',
    'mail.recoveryCodeUsed.intro':
      'En af dine gendannelseskoder er lige blevet brugt til at logge ind på din konto hos {productName} ({email}). Den kan ikke bruges igen.',
    'mail.recoveryCodeUsed.remaining.one': 'Du har {remaining} gendannelseskode tilbage.',
    'mail.recoveryCodeUsed.remaining.few': 'Du har {remaining} gendannelseskoder tilbage.',
    'mail.recoveryCodeUsed.remaining.many': 'Du har {remaining} gendannelseskoder tilbage.',
    'mail.recoveryCodeUsed.remaining.other': 'Du har {remaining} gendannelseskoder tilbage.',
    'mail.recoveryCodeUsed.none': 'Du har ingen gendannelseskoder tilbage. Opret nye i dine indstillinger for loginsikkerhed.',
    'mail.recoveryCodeUsed.notYou':
      'Hvis det ikke var dig, kender en anden din adgangskode og har en af dine gendannelseskoder. Skift din adgangskode, og opret nye gendannelseskoder med det samme:',

    'mail.factorAdded.subject': 'Der er tilføjet en loginmetode til din konto hos {productName}',
    'mail.factorAdded.heading': 'Ny loginmetode tilføjet',
    'mail.factorAdded.intro': '{factor} er tilføjet som en måde at bekræfte login på din konto hos {productName} ({email}).',
    'mail.factorAdded.notYou':
      'Hvis det ikke var dig, kan en anden have adgang til din konto. Fjern metoden, og skift din adgangskode med det samme:',

    'mail.factorRemoved.subject': 'Der er fjernet en loginmetode fra din konto hos {productName}',
    'mail.factorRemoved.heading': 'Loginmetode fjernet',
    'mail.factorRemoved.intro': '{factor} kan ikke længere bruges til at bekræfte login på din konto hos {productName} ({email}).',
    'mail.factorRemoved.notYou':
      'Hvis det ikke var dig, kan en anden have adgang til din konto. Skift din adgangskode, og kontrollér dine loginmetoder med det samme:',

    'mail.passwordResetLink.subject': 'Nulstil din adgangskode til {productName}',
    'mail.passwordResetLink.heading': 'Vælg en ny adgangskode',
    'mail.passwordResetLink.intro':
      'Supportteamet hos {productName} har sendt dig dette link, så du kan vælge en ny adgangskode til din konto ({email}). Du bliver bedt om en kode, som vi sender til denne adresse:',
    'mail.passwordResetLink.button': 'Vælg en ny adgangskode',
    'mail.passwordResetLink.notYou': 'Hvis du ikke har bedt om hjælp, kan du ignorere denne e-mail: din adgangskode forbliver uændret.',

    'mail.factorsReset.subject': 'De andre faktorer på din konto hos {productName} er fjernet',
    'mail.factorsReset.heading': 'Andre faktorer fjernet',
    'mail.factorsReset.intro':
      'Supportteamet hos {productName} har fjernet alle andre faktorer (godkendelsesapps, adgangsnøgler, telefonnumre, gendannelseskoder) fra din konto ({email}).',
    'mail.factorsReset.next': 'Næste gang du logger ind, kan du blive bedt om at oprette en ny.',
    'mail.factorsReset.notYou':
      'Hvis du ikke har bedt supporten om dette, så skift din adgangskode og tjek dine loginmetoder med det samme:',

    'sms.code': '{code} er din kode til {productName}. Den udløber om {minutes} min. Del den aldrig.',
  },
  pl: {
    'mail.footer': 'To automatyczna wiadomość z usługi {productName} wysłana na adres {email}.',
    'mail.code.expires.one': 'Kod wygaśnie za {minutes} minutę.',
    'mail.code.expires.few': 'Kod wygaśnie za {minutes} minuty.',
    'mail.code.expires.many': 'Kod wygaśnie za {minutes} minut.',
    'mail.code.expires.other': 'Kod wygaśnie za {minutes} minuty.',
    'mail.code.secret': 'Nigdy nikomu nie podawaj tego kodu. Zespół {productName} nigdy nie poprosi Cię o niego telefonicznie, e-mailem ani na czacie.',
    'mail.link.instead': 'Zamiast wpisywać kod, możesz też otworzyć ten link:',
    'mail.link.fallback': 'Jeśli przycisk nie działa, skopiuj ten link do przeglądarki:',

    'mail.verifyEmail.subject': 'Potwierdź adres e-mail w usłudze {productName}',
    'mail.verifyEmail.heading': 'Potwierdź swój adres e-mail',
    'mail.verifyEmail.intro': 'Wpisz ten kod, aby potwierdzić, że {email} to Twój adres e-mail:',
    'mail.verifyEmail.button': 'Potwierdź adres e-mail',
    'mail.verifyEmail.notYou':
      'Jeśli ta prośba nie pochodzi od Ciebie, możesz zignorować tę wiadomość. Bez kodu nie da się potwierdzić tego adresu.',

    'mail.passwordReset.subject': 'Zresetuj hasło w usłudze {productName}',
    'mail.passwordReset.heading': 'Zresetuj hasło',
    'mail.passwordReset.intro': 'Otrzymaliśmy prośbę o zresetowanie hasła dla adresu {email}. Wpisz ten kod, aby ustawić nowe hasło:',
    'mail.passwordReset.button': 'Ustaw nowe hasło',
    'mail.passwordReset.notYou':
      'Jeśli ta prośba nie pochodzi od Ciebie, możesz zignorować tę wiadomość. Twoje hasło pozostaje bez zmian i nikt nie może go zmienić bez tego kodu.',

    'mail.passwordResetUnknown.subject': 'Prośba o zresetowanie hasła w usłudze {productName}',
    'mail.passwordResetUnknown.heading': 'Nie znaleźliśmy Twojego konta',
    'mail.passwordResetUnknown.intro':
      'Ktoś poprosił o zresetowanie hasła dla adresu {email}, ale w usłudze {productName} nie ma konta z tym adresem e-mail.',
    'mail.passwordResetUnknown.hint':
      'Jeśli to Ty, być może konto zostało założone na inny adres – spróbuj ponownie z tamtym adresem. Jeśli nie masz jeszcze konta, możesz je założyć:',
    'mail.passwordResetUnknown.button': 'Załóż konto',
    'mail.passwordResetUnknown.notYou': 'Jeśli ta prośba nie pochodzi od Ciebie, możesz zignorować tę wiadomość.',

    'mail.signinCode.subject': 'Twój kod logowania do usługi {productName}',
    'mail.signinCode.heading': 'Zaloguj się tym kodem',
    'mail.signinCode.intro': 'Ktoś chce zalogować się do usługi {productName} jako {email} bez hasła. Aby się zalogować, wpisz ten kod:',
    'mail.signinCode.button': 'Zaloguj się',
    'mail.signinCode.linkNote': 'Link działa tylko w przeglądarce, w której poproszono o kod.',
    'mail.signinCode.notYou': 'Jeśli to nie Ty chcesz się zalogować, zignoruj tę wiadomość: bez tego kodu nikt nie zaloguje się Twoim adresem.',

    'mail.signinCodeUnknown.subject': 'Prośba o logowanie w usłudze {productName}',
    'mail.signinCodeUnknown.heading': 'Nie znaleźliśmy Twojego konta',
    'mail.signinCodeUnknown.intro': 'Ktoś poprosił o kod logowania do usługi {productName} jako {email}, ale nie ma konta z tym adresem e-mail.',
    'mail.signinCodeUnknown.hint': 'Jeśli to Ty, być może rejestrowałeś(-aś) się innym adresem: spróbuj ponownie z nim.',
    'mail.signinCodeUnknown.signup': 'Jeśli jesteś tu nowy(-a), możesz założyć konto:',
    'mail.signinCodeUnknown.button': 'Załóż konto',
    'mail.signinCodeUnknown.notYou': 'Jeśli ta prośba nie pochodzi od Ciebie, możesz zignorować tę wiadomość.',

    'mail.signupExisting.subject': 'Masz już konto w usłudze {productName}',
    'mail.signupExisting.heading': 'Masz już konto',
    'mail.signupExisting.intro':
      'Ktoś próbował założyć konto w usłudze {productName} na adres {email}, ale konto z tym adresem już istnieje.',
    'mail.signupExisting.signIn': 'Jeśli to Ty, po prostu się zaloguj:',
    'mail.signupExisting.signInButton': 'Zaloguj się',
    'mail.signupExisting.reset': 'Nie pamiętasz hasła? Możesz ustawić nowe:',
    'mail.signupExisting.resetButton': 'Zresetuj hasło',
    'mail.signupExisting.notYou': 'Jeśli to nie Ty, możesz zignorować tę wiadomość. Na Twoim koncie nic się nie zmieniło.',

    'mail.signInBlocked.subject': 'Nieudane próby logowania na Twoje konto w usłudze {productName}',
    'mail.signInBlocked.heading': 'Ktoś próbuje zalogować się na Twoje konto',
    'mail.signInBlocked.intro': 'Przed chwilą było kilka prób logowania z błędnym hasłem na Twoje konto w usłudze {productName} ({email}). Spowalniamy teraz kolejne próby z tego miejsca; Ty możesz logować się jak zwykle.',
    'mail.signInBlocked.ok': 'Jeśli to Ty, nie musisz nic więcej robić.',
    'mail.signInBlocked.notYou': 'Jeśli to nie Ty, Twoje hasło jest bezpieczne, dopóki nikt go nie zna. Jeśli używasz go także gdzie indziej lub nie masz pewności, wybierz nowe:',
    'mail.signInBlocked.button': 'Wybierz nowe hasło',
    'mail.passwordChanged.subject': 'Hasło w usłudze {productName} zostało zmienione',
    'mail.passwordChanged.heading': 'Twoje hasło zostało zmienione',
    'mail.passwordChanged.intro': 'Hasło do Twojego konta w usłudze {productName} ({email}) zostało właśnie zmienione.',
    'mail.passwordChanged.ok': 'Jeśli to Ty, nie musisz nic więcej robić.',
    'mail.passwordChanged.notYou':
      'Jeśli to nie Ty, ktoś inny może znać Twoje hasło. Natychmiast je zresetuj, aby zabezpieczyć swoje konto:',
    'mail.passwordChanged.button': 'Zresetuj hasło',

    'mail.emailChangeVerify.subject': 'Potwierdź nowy adres e-mail w usłudze {productName}',
    'mail.emailChangeVerify.heading': 'Potwierdź nowy adres e-mail',
    'mail.emailChangeVerify.intro':
      'Chcesz używać adresu {email} jako adresu e-mail swojego konta w usłudze {productName}. Wpisz ten kod, aby potwierdzić zmianę:',
    'mail.emailChangeVerify.button': 'Potwierdź nowy adres',
    'mail.emailChangeVerify.notYou':
      'Jeśli ta prośba nie pochodzi od Ciebie, możesz zignorować tę wiadomość. Bez kodu ten adres nie zostanie dodany do żadnego konta.',

    'mail.emailChanged.subject': 'Adres e-mail Twojego konta w usłudze {productName} został zmieniony',
    'mail.emailChanged.heading': 'Twój adres e-mail został zmieniony',
    'mail.emailChanged.intro': 'Adres e-mail Twojego konta w usłudze {productName} został zmieniony z {email} na {newEmail}.',
    'mail.emailChanged.next':
      'Od teraz loguj się, używając adresu {newEmail}. Wiadomości dotyczące konta będziemy wysyłać tylko na ten adres.',
    'mail.emailChanged.notYou':
      'Jeśli to nie Ty, ktoś inny może mieć dostęp do Twojego konta. Niezwłocznie skontaktuj się z pomocą techniczną usługi {productName}.',

    'mail.security.button': 'Sprawdź bezpieczeństwo logowania',

    'mail.linkIdentity.subject': 'Połącz logowanie przez {name} z kontem {productName}',
    'mail.linkIdentity.heading': 'Połącz logowanie przez {name}',
    'mail.linkIdentity.intro': 'Ktoś łączy logowanie przez {name} z Twoim kontem {productName} ({email}). Jeśli to Ty, wpisz ten kod:',
    'mail.linkIdentity.notYou': 'Jeśli to nie Ty logujesz się właśnie przez {name}, nie wpisuj ani nikomu nie podawaj tego kodu: bez niego nic nie zostanie połączone, a Twoje konto pozostanie bez zmian.',

    'mail.mfaCode.subject': 'Twój kod bezpieczeństwa do usługi {productName}',
    'mail.mfaCode.heading': 'Twój kod bezpieczeństwa',
    'mail.mfaCode.intro': 'Wpisz ten kod w usłudze {productName}, aby potwierdzić, że to Ty:',
    'mail.mfaCode.notYou':
      'Jeśli to nie Ty właśnie się logujesz lub zmieniasz ustawienia logowania, ktoś inny może znać Twoje hasło. Natychmiast je zmień.',

    'mail.recoveryCodeUsed.subject': 'Użyto kodu zapasowego do Twojego konta w usłudze {productName}',
    'mail.recoveryCodeUsed.heading': 'Użyto kodu zapasowego',
    'mail.recoveryCodeUsed.intro':
      'Jeden z Twoich kodów zapasowych został właśnie użyty do zalogowania się na Twoje konto w usłudze {productName} ({email}). Nie można go użyć ponownie.',
    'mail.recoveryCodeUsed.remaining.one': 'Został Ci {remaining} kod zapasowy.',
    'mail.recoveryCodeUsed.remaining.few': 'Zostały Ci {remaining} kody zapasowe.',
    'mail.recoveryCodeUsed.remaining.many': 'Zostało Ci {remaining} kodów zapasowych.',
    'mail.recoveryCodeUsed.remaining.other': 'Zostało Ci {remaining} kodu zapasowego.',
    'mail.recoveryCodeUsed.none': 'Nie masz już kodów zapasowych. Utwórz nowe w ustawieniach bezpieczeństwa logowania.',
    'mail.recoveryCodeUsed.notYou':
      'Jeśli to nie Ty, ktoś zna Twoje hasło i ma jeden z Twoich kodów zapasowych. Natychmiast zmień hasło i utwórz nowe kody zapasowe:',

    'mail.factorAdded.subject': 'Do Twojego konta w usłudze {productName} dodano metodę logowania',
    'mail.factorAdded.heading': 'Dodano nową metodę logowania',
    'mail.factorAdded.intro': 'Do Twojego konta w usłudze {productName} ({email}) dodano metodę potwierdzania logowania: {factor}.',
    'mail.factorAdded.notYou':
      'Jeśli to nie Ty, ktoś inny może mieć dostęp do Twojego konta. Natychmiast usuń tę metodę i zmień hasło:',

    'mail.factorRemoved.subject': 'Z Twojego konta w usłudze {productName} usunięto metodę logowania',
    'mail.factorRemoved.heading': 'Usunięto metodę logowania',
    'mail.factorRemoved.intro':
      'Z Twojego konta w usłudze {productName} ({email}) usunięto metodę potwierdzania logowania: {factor}. Nie można jej już używać.',
    'mail.factorRemoved.notYou':
      'Jeśli to nie Ty, ktoś inny może mieć dostęp do Twojego konta. Natychmiast zmień hasło i sprawdź swoje metody logowania:',

    'mail.passwordResetLink.subject': 'Zresetuj hasło do usługi {productName}',
    'mail.passwordResetLink.heading': 'Ustaw nowe hasło',
    'mail.passwordResetLink.intro':
      'Zespół wsparcia {productName} wysłał Ci ten link, abyś mógł ustawić nowe hasło do swojego konta ({email}). Poprosimy o kod, który wyślemy na ten adres:',
    'mail.passwordResetLink.button': 'Ustaw nowe hasło',
    'mail.passwordResetLink.notYou': 'Jeśli nie prosiłeś o pomoc, zignoruj tę wiadomość: Twoje hasło pozostaje bez zmian.',

    'mail.factorsReset.subject': 'Z Twojego konta w usłudze {productName} usunięto drugie składniki',
    'mail.factorsReset.heading': 'Drugie składniki usunięte',
    'mail.factorsReset.intro':
      'Zespół wsparcia {productName} usunął wszystkie drugie składniki (aplikacje uwierzytelniające, klucze dostępu, numery telefonów, kody odzyskiwania) z Twojego konta ({email}).',
    'mail.factorsReset.next': 'Przy następnym logowaniu możesz zostać poproszony o skonfigurowanie nowego.',
    'mail.factorsReset.notYou':
      'Jeśli nie prosiłeś o to zespołu wsparcia, natychmiast zmień hasło i sprawdź swoje metody logowania:',

    'sms.code': '{code} to Twój kod do usługi {productName}. Wygaśnie za {minutes} min. Nikomu go nie podawaj.',
  },
});
