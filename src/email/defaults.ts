/**
 * The templates a new Relais starts with (issue 5, point 2), in French like the people of the seeds:
 * the thank-you and review e-mails of the agency's shop (`seeds/002`), the appointment reminder of
 * the clinic (`seeds/001`: reminders at J-7, J-1 and H-2), and the two import reports of the dental
 * practice's import. Migration 0007 inserts them once, when it creates the table: a template the
 * owner deletes stays deleted.
 */
import type { TemplateCategory, TemplateVariable } from './template-port.js';

export interface DefaultTemplate {
  name: string;
  subject: string;
  body: string;
  text: string | null;
  availableVariables: TemplateVariable[];
  category: TemplateCategory;
}

const v = (name: string, description: string): TemplateVariable => ({ name, description });

/** A simple, widely supported layout: one centred column, inline styles only. */
function layout(content: string, footer: string): string {
  return `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 0;">
<tr><td align="center">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;background:#ffffff;border-radius:8px;padding:32px;">
<tr><td style="font-size:15px;line-height:1.6;">
${content}
</td></tr>
</table>
<p style="font-size:12px;color:#7b8794;margin:16px 0 0;">${footer}</p>
</td></tr>
</table>
</body>
</html>`;
}

export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = [
  {
    name: 'Merci pour votre commande',
    category: 'order',
    subject: 'Merci pour votre commande n° {{order.number}}',
    body: layout(
      `<p>Bonjour {{customer.firstName}},</p>
<p>Merci pour votre commande <strong>n° {{order.number}}</strong>. Nous l'avons bien reçue et nous la préparons avec soin.</p>
{{#if order.items}}
<table role="presentation" width="100%" cellpadding="6" cellspacing="0" style="border-collapse:collapse;margin:16px 0;">
{{#each order.items}}
<tr><td style="border-bottom:1px solid #e4e7eb;">{{quantity}} × {{name}}</td><td align="right" style="border-bottom:1px solid #e4e7eb;">{{price}}</td></tr>
{{/each}}
<tr><td><strong>Total</strong></td><td align="right"><strong>{{order.total}}</strong></td></tr>
</table>
{{else}}
<p>Montant total : <strong>{{order.total}}</strong></p>
{{/if}}
<p>Vous recevrez un e-mail dès l'expédition de votre colis.</p>
<p>À très bientôt,<br>L'équipe {{site.name}}</p>`,
      '{{site.name}} · Cet e-mail fait suite à votre commande.',
    ),
    text: null,
    availableVariables: [
      v('customer.firstName', 'Prénom du client'),
      v('customer.lastName', 'Nom du client'),
      v('order.number', 'Numéro de la commande'),
      v('order.total', 'Montant total, formaté (ex. « 129,90 CHF »)'),
      v('order.items', 'Lignes de la commande : name, quantity, price'),
      v('site.name', 'Nom de la boutique'),
    ],
  },
  {
    name: "Demande d'avis",
    category: 'order',
    subject: '{{customer.firstName}}, votre avis compte pour nous',
    body: layout(
      `<p>Bonjour {{customer.firstName}},</p>
<p>Vous avez reçu votre commande <strong>n° {{order.number}}</strong> il y a quelques jours. Tout s'est-il bien passé ?</p>
<p>Votre avis aide d'autres clients à choisir et nous aide à nous améliorer. Cela ne prend qu'une minute :</p>
<p style="text-align:center;margin:24px 0;"><a href="{{review.url}}" style="background:#2f6fed;color:#ffffff;text-decoration:none;padding:12px 24px;border-radius:6px;display:inline-block;">Donner mon avis</a></p>
<p>Merci pour votre confiance,<br>L'équipe {{site.name}}</p>`,
      '{{site.name}} · Vous recevez cet e-mail à la suite de votre commande.',
    ),
    text: null,
    availableVariables: [
      v('customer.firstName', 'Prénom du client'),
      v('order.number', 'Numéro de la commande'),
      v('review.url', "Lien vers la page d'avis"),
      v('site.name', 'Nom de la boutique'),
    ],
  },
  {
    name: 'Rappel de rendez-vous',
    category: 'customer',
    subject: 'Rappel : votre rendez-vous {{reminder.when}} ({{appointment.date}} à {{appointment.time}})',
    body: layout(
      `<p>Bonjour {{customer.firstName}},</p>
<p>Nous vous rappelons votre rendez-vous <strong>{{reminder.when}}</strong> :</p>
<ul>
<li>Date : <strong>{{appointment.date}}</strong> à <strong>{{appointment.time}}</strong></li>
{{#if appointment.type}}<li>Motif : {{appointment.type}}</li>{{/if}}
<li>Lieu : {{organization.name}}{{#if organization.address}}, {{organization.address}}{{/if}}</li>
</ul>
{{#if appointment.instructions}}<p>{{appointment.instructions}}</p>{{/if}}
<p>En cas d'empêchement, merci de nous prévenir au plus tôt{{#if organization.phone}} au {{organization.phone}}{{/if}} afin que nous puissions proposer ce créneau à un autre patient.</p>
<p>À bientôt,<br>{{organization.name}}</p>`,
      '{{organization.name}} · Rappel automatique de rendez-vous.',
    ),
    text: null,
    availableVariables: [
      v('customer.firstName', 'Prénom du patient'),
      v(
        'reminder.when',
        'Échéance du rappel : « dans 7 jours » (J-7), « demain » (J-1) ou « dans 2 heures » (H-2)',
      ),
      v('appointment.date', 'Date du rendez-vous (ex. « mardi 14 avril 2026 »)'),
      v('appointment.time', 'Heure du rendez-vous (ex. « 14 h 30 »)'),
      v('appointment.type', "Motif de l'intervention (facultatif)"),
      v('appointment.instructions', 'Consignes à suivre avant le rendez-vous (facultatif)'),
      v('organization.name', 'Nom du cabinet ou de la clinique'),
      v('organization.address', 'Adresse (facultatif)'),
      v('organization.phone', 'Téléphone pour prévenir (facultatif)'),
    ],
  },
  {
    name: 'Import réussi',
    category: 'general',
    subject: 'Import « {{import.name}} » terminé : {{import.rowCount}} lignes',
    body: layout(
      `<p>Bonjour,</p>
<p>L'import <strong>« {{import.name}} »</strong> s'est terminé avec succès le {{import.finishedAt}}.</p>
<ul>
<li>Lignes importées : <strong>{{import.rowCount}}</strong></li>
{{#if import.fileName}}<li>Fichier : {{import.fileName}}</li>{{/if}}
</ul>
{{#if run.url}}<p><a href="{{run.url}}">Voir le détail de l'exécution</a></p>{{/if}}`,
      'Message automatique envoyé par Relais.',
    ),
    text: null,
    availableVariables: [
      v('import.name', "Nom de l'import"),
      v('import.rowCount', 'Nombre de lignes importées'),
      v('import.finishedAt', 'Date et heure de fin'),
      v('import.fileName', 'Fichier importé (facultatif)'),
      v('run.url', "Lien vers l'exécution dans Relais (facultatif)"),
    ],
  },
  {
    name: 'Import échoué',
    category: 'general',
    subject: "Échec de l'import « {{import.name}} »",
    body: layout(
      `<p>Bonjour,</p>
<p>L'import <strong>« {{import.name}} »</strong> a échoué le {{import.finishedAt}}.</p>
<p>Erreur : <strong>{{error.message}}</strong>{{#if error.node}} (étape « {{error.node}} »){{/if}}</p>
<p>Corrigez le fichier ou la source, puis relancez l'import.</p>
{{#if run.url}}<p><a href="{{run.url}}">Voir le détail de l'exécution</a></p>{{/if}}`,
      'Message automatique envoyé par Relais.',
    ),
    text: null,
    availableVariables: [
      v('import.name', "Nom de l'import"),
      v('import.finishedAt', "Date et heure de l'échec"),
      v('error.message', "Message d'erreur"),
      v('error.node', 'Étape en échec (facultatif)'),
      v('run.url', "Lien vers l'exécution dans Relais (facultatif)"),
    ],
  },
];
