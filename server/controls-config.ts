// The controls file (`rolloutlab serve --controls <file>`, docs/server.md "Human controls"): which team owns which
// service, the hours each team lets a rollout advance without a human's approval, and where notifications go. A closed
// schema: an unknown or misspelt field is refused with the field named, never ignored (a gate the operator meant must
// not silently not apply). `parseControlsConfig` checks a parsed JSON / YAML object; `localTime` and `insideAllowedHours`
// read the clock in a team's time zone.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RolloutlabError, show } from '../lib/errors.ts';

/** The events a notification sink can ask for. */
export const NOTIFY_EVENTS = ['override', 'rollback', 'approval-needed'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const HHMM_OR_24 = '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

export const AllowedHoursSchema = Type.Object(
  {
    tz: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'UTC (default), a fixed offset such as +01:00 or -05:30, or an IANA time zone such as Europe/Paris (follows daylight saving)' })),
    days: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7, uniqueItems: true, description: 'ISO weekdays: 1 = Monday … 7 = Sunday (default [1, 2, 3, 4, 5])' })),
    from: Type.String({ pattern: HHMM, description: 'local start, HH:MM (inclusive)' }),
    to: Type.String({ pattern: HHMM_OR_24, description: 'local end, HH:MM (exclusive; 24:00 = midnight); before `from`: the hours run past midnight into the next day' }),
  },
  { additionalProperties: false },
);
export type AllowedHours = Static<typeof AllowedHoursSchema>;

export const NotifySinkSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('slack'), Type.Literal('alertmanager')], { description: 'slack: a Slack-compatible incoming webhook ({text, blocks}); alertmanager: Alertmanager v2 POST /api/v2/alerts (an array of alerts)' }),
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'the full http(s) URL to POST to (for Alertmanager: http://alertmanager:9093/api/v2/alerts)' }),
    events: Type.Optional(Type.Array(Type.Union(NOTIFY_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, uniqueItems: true, description: 'which events (default all): override, rollback, approval-needed' })),
    attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'tries per message (default 5)' })),
    backoffMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000, description: 'wait before the first retry, doubled after each (default 1000; at most 5 minutes a wait)' })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 60_000, description: 'per try (default 5000)' })),
  },
  { additionalProperties: false },
);
export type NotifySink = Static<typeof NotifySinkSchema>;

export const ControlsFileSchema = Type.Object(
  {
    teams: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.Object({ allowedHours: Type.Optional(AllowedHoursSchema) }, { additionalProperties: false }))),
    services: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 253 }), Type.String({ minLength: 1, maxLength: 128, description: 'the team that owns the service (a key of teams)' }))),
    notify: Type.Optional(Type.Array(NotifySinkSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type ControlsConfig = Static<typeof ControlsFileSchema>;

const OFFSET = /^([+-])(0\d|1[0-4]):([0-5]\d)$/;

/** The time-zone problem, or null when `tz` is UTC, a fixed offset or an IANA zone this Node knows. */
export function tzProblem(tz: string): string | null {
  if (tz === 'UTC' || tz === 'Z' || OFFSET.test(tz)) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return null;
  } catch {
    return `must be UTC, an offset such as +01:00, or an IANA time zone such as Europe/Paris (got ${JSON.stringify(tz)})`;
  }
}

const DAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The local ISO weekday (1 = Monday) and minute of the day at `at` in `tz`, and how to say it. */
export function localTime(at: Date, tz = 'UTC'): { day: number; minute: number; text: string } {
  let day: number;
  let minute: number;
  const m = OFFSET.exec(tz);
  if (tz === 'UTC' || tz === 'Z' || m) {
    const shift = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    const t = new Date(at.getTime() + shift * 60_000);
    day = ((t.getUTCDay() + 6) % 7) + 1;
    minute = t.getUTCHours() * 60 + t.getUTCMinutes();
  } else {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    day = DAY_NAMES.indexOf(get('weekday'));
    minute = Number(get('hour')) * 60 + Number(get('minute'));
  }
  const hh = String(Math.floor(minute / 60)).padStart(2, '0');
  const mm = String(minute % 60).padStart(2, '0');
  return { day, minute, text: `${DAY_NAMES[day]} ${hh}:${mm} (${tz === 'Z' ? 'UTC' : tz})` };
}

const toMinute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The days as short ranges: [1,2,3,4,5] → "Mon-Fri", [1,3] → "Mon,Wed". */
function daysText(days: readonly number[]): string {
  const d = [...days].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < d.length; ) {
    let j = i;
    while (j + 1 < d.length && d[j + 1] === d[j] + 1) j++;
    runs.push(j - i >= 2 ? `${DAY_NAMES[d[i]]}-${DAY_NAMES[d[j]]}` : d.slice(i, j + 1).map((x) => DAY_NAMES[x]).join(','));
    i = j + 1;
  }
  return runs.join(',');
}

/** The hours in words: "Mon-Fri 09:00-17:00 (+01:00)". */
export function allowedHoursText(h: AllowedHours): string {
  return `${daysText(h.days ?? [1, 2, 3, 4, 5])} ${h.from}-${h.to} (${h.tz ?? 'UTC'})`;
}

/**
 * Whether `at` lies inside the allowed hours. Hours that run past midnight (`to` before `from`) belong to the day
 * they start on: {days: [5], from: "22:00", to: "06:00"} allows Friday 22:00 to Saturday 06:00.
 */
export function insideAllowedHours(h: AllowedHours, at: Date): { inside: boolean; local: string } {
  const { day, minute, text } = localTime(at, h.tz ?? 'UTC');
  const days = new Set(h.days ?? [1, 2, 3, 4, 5]);
  const from = toMinute(h.from);
  const to = h.to === '24:00' ? 1440 : toMinute(h.to);
  const yesterday = ((day + 5) % 7) + 1;
  const inside = from < to ? days.has(day) && minute >= from && minute < to : (days.has(day) && minute >= from) || (days.has(yesterday) && minute < to);
  return { inside, local: text };
}

/** A problem of the controls file: the dotted field and what is wrong. */
const problem = (source: string, field: string, message: string) => new RolloutlabError('BAD_ARGUMENT', `${source}: ${field} ${message}`, field);

/**
 * Checks a parsed controls file (JSON or YAML) against the closed schema and the rules it cannot say (time zones,
 * `from` != `to`, services owned by a declared team, http(s) URLs); throws a BAD_ARGUMENT error naming the first bad
 * field (`teams.team-001.allowedHours.from must match HH:MM`). `source` names the file in the message.
 */
export function parseControlsConfig(raw: unknown, source = 'controls file'): ControlsConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new RolloutlabError('BAD_ARGUMENT', `${source}: must hold an object {teams, services, notify} (got ${show(raw)})`, '(root)');
  const err = Value.Errors(ControlsFileSchema, raw).First();
  if (err) {
    const field = err.path.split('/').slice(1).join('.') || '(root)';
    if (/unexpected property|additional propert/i.test(err.message)) throw problem(source, field, `is not a field of the controls file (known: teams.<team>.allowedHours {tz, days, from, to}, services.<service>, notify[] {kind, url, events, attempts, backoffMs, timeoutMs})`);
    const pattern = (err.schema as { pattern?: string }).pattern;
    const what = pattern === HHMM || pattern === HHMM_OR_24 ? `must be a time HH:MM on a 24-hour clock, e.g. 09:00${pattern === HHMM_OR_24 ? ' (24:00 for midnight)' : ''}` : err.message.toLowerCase();
    throw problem(source, field, `= ${show(err.value)}: ${what}`);
  }
  const c = raw as ControlsConfig;
  for (const [team, t] of Object.entries(c.teams ?? {})) {
    const h = t.allowedHours;
    if (!h) continue;
    const at = `teams.${team}.allowedHours`;
    if (h.tz !== undefined) {
      const p = tzProblem(h.tz);
      if (p) throw problem(source, `${at}.tz`, p);
    }
    if (h.to !== '24:00' && toMinute(h.from) === toMinute(h.to)) throw problem(source, `${at}.to`, `must differ from from (both ${h.from}): allowed hours need a length; leave allowedHours out to allow every hour`);
  }
  for (const [service, team] of Object.entries(c.services ?? {})) {
    if (!(c.teams ?? {})[team]) throw problem(source, `services.${service}`, `names team ${JSON.stringify(team)}, which is not in teams (known: ${Object.keys(c.teams ?? {}).join(', ') || 'none'})`);
  }
  (c.notify ?? []).forEach((n, i) => {
    let u: URL;
    try {
      u = new URL(n.url);
    } catch {
      throw problem(source, `notify[${i}].url`, 'is not a URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw problem(source, `notify[${i}].url`, `must be http or https (got ${u.protocol})`);
  });
  return structuredClone(c);
}
