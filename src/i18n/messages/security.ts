// Throttling and password-policy messages. Password rules follow NIST SP 800-63B: length and known-bad lists only,
// so each message names the one thing to change and never asks for digits or symbols.
import { defineMessages } from '../define.ts';

export const securityMessages = defineMessages({
  en: {
    'throttle.retry': 'Too many attempts. Try again in {seconds} seconds.',
    'password.hint': 'At least {min} characters. A long passphrase is welcome.',
    'password.error.tooShort': 'Use at least {min} characters.',
    'password.error.tooLong': 'Use at most {max} characters.',
    'password.error.common': 'This password is too common. Choose one that is harder to guess.',
    'password.error.breached': 'This password has appeared in a data breach. Choose a different one.',
    'password.error.containsEmail': 'Your password must not contain your e-mail address.',
  },
  de: {
    'throttle.retry': 'Zu viele Versuche. Bitte versuchen Sie es in {seconds} Sekunden erneut.',
    'password.hint': 'Mindestens {min} Zeichen. Eine lange Passphrase ist willkommen.',
    'password.error.tooShort': 'Verwenden Sie mindestens {min} Zeichen.',
    'password.error.tooLong': 'Verwenden Sie höchstens {max} Zeichen.',
    'password.error.common': 'Dieses Passwort ist zu verbreitet. Wählen Sie eines, das schwerer zu erraten ist.',
    'password.error.breached': 'Dieses Passwort ist aus einem Datenleck bekannt. Wählen Sie ein anderes.',
    'password.error.containsEmail': 'Ihr Passwort darf Ihre E-Mail-Adresse nicht enthalten.',
  },
  da: {
    'throttle.retry': 'For mange forsøg. Prøv igen om {seconds} sekunder.',
    'password.hint': 'Mindst {min} tegn. Brug gerne en lang sætning.',
    'password.error.tooShort': 'Brug mindst {min} tegn.',
    'password.error.tooLong': 'Brug højst {max} tegn.',
    'password.error.common': 'Denne adgangskode er for almindelig. Vælg en, der er sværere at gætte.',
    'password.error.breached': 'Denne adgangskode er kendt fra et datalæk. Vælg en anden.',
    'password.error.containsEmail': 'Din adgangskode må ikke indeholde din e-mailadresse.',
  },
  pl: {
    'throttle.retry': 'Zbyt wiele prób. Spróbuj ponownie za {seconds} s.',
    'password.hint': 'Minimalna liczba znaków: {min}. Długie hasło złożone z kilku słów jest mile widziane.',
    'password.error.tooShort': 'Hasło jest za krótkie. Minimalna liczba znaków: {min}.',
    'password.error.tooLong': 'Hasło jest za długie. Maksymalna liczba znaków: {max}.',
    'password.error.common': 'To hasło jest zbyt popularne. Wybierz takie, które trudniej odgadnąć.',
    'password.error.breached': 'To hasło pojawiło się w wycieku danych. Wybierz inne.',
    'password.error.containsEmail': 'Hasło nie może zawierać Twojego adresu e-mail.',
  },
});
