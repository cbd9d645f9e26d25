// Form furniture every page shares: the show-password toggle (views/assets/forms.js) and the mark of a required
// checkbox (text fields are required unless marked optional; a checkbox is optional unless marked required).
import { defineMessages } from '../define.ts';

export const formMessages = defineMessages({
  en: {
    'form.showPassword': 'Show password',
    'field.required': '(required)',
  },
  de: {
    'form.showPassword': 'Passwort anzeigen',
    'field.required': '(erforderlich)',
  },
  da: {
    'form.showPassword': 'Vis adgangskode',
    'field.required': '(påkrævet)',
  },
  pl: {
    'form.showPassword': 'Pokaż hasło',
    'field.required': '(wymagane)',
  },
  fr: {
    'form.showPassword': 'Afficher le mot de passe',
    'field.required': '(obligatoire)',
  },
  es: {
    'form.showPassword': 'Mostrar contraseña',
    'field.required': '(obligatorio)',
  },
  it: {
    'form.showPassword': 'Mostra password',
    'field.required': '(obbligatorio)',
  },
  nl: {
    'form.showPassword': 'Wachtwoord tonen',
    'field.required': '(verplicht)',
  },
});
