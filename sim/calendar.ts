// The calendar: minute grid, holidays, peak events, change freezes and on-call cover.
// Minute 0 is 00:00 UTC of `scenario.start`; every time in the simulator is a minute index.
import type { Scenario } from './scenario-schema.ts';
import { parseUtc } from './load-scenario.ts';
import { MINUTES_PER_DAY } from './minutes.ts';

export { MINUTES_PER_DAY, MINUTES_PER_WEEK } from './minutes.ts';

export interface Freeze {
  start: number;
  end: number;
  reason: string;
}

export interface Calendar {
  startMs: number;
  minutes: number;
  days: number;
  /** Weekday (0 = Monday) of minute 0 in UTC. */
  startWeekday: number;
  /** UTC day indices that are holidays. */
  holidayDays: Set<number>;
  freezes: Freeze[];
  /** Global traffic multiplier per minute: holidays, peak events and their ramps. */
  eventFactor: Float32Array;
  onCall: Scenario['calendar']['onCall'];
}

/** Build the calendar of a scenario. */
export function buildCalendar(s: Scenario): Calendar {
  const startMs = parseUtc(s.start);
  const minutes = s.days * MINUTES_PER_DAY;
  const dayOf = (iso: string) => Math.floor((parseUtc(iso) - startMs) / 86_400_000);
  const holidayDays = new Set(s.calendar.holidays.map(dayOf).filter((d) => d >= 0 && d < s.days));
  const freezes = s.calendar.freezes
    .map((f) => ({ start: Math.round((parseUtc(f.start) - startMs) / 60_000), end: Math.round((parseUtc(f.end) - startMs) / 60_000), reason: f.reason }))
    .filter((f) => f.end > 0 && f.start < minutes)
    .sort((a, b) => a.start - b.start);
  const eventFactor = new Float32Array(minutes).fill(1);
  for (const d of holidayDays) eventFactor.fill(s.traffic.holidayFactor, d * MINUTES_PER_DAY, (d + 1) * MINUTES_PER_DAY);
  for (const p of s.calendar.peakEvents) {
    const day = dayOf(p.date);
    // The event day rises to `multiplier` at mid-day (sin² bell, so the day's mean is about half-way).
    for (let m = 0; m < MINUTES_PER_DAY; m++) {
      const t = day * MINUTES_PER_DAY + m;
      if (t < 0 || t >= minutes) continue;
      const bell = Math.sin((Math.PI * (m + 0.5)) / MINUTES_PER_DAY) ** 2;
      eventFactor[t] *= 1 + (p.multiplier - 1) * (0.35 + 0.65 * bell);
    }
    for (let k = 1; k <= p.rampDays; k++) {
      const from = (day - k) * MINUTES_PER_DAY;
      const f = 1 + (p.multiplier - 1) * 0.12 * ((p.rampDays - k + 1) / p.rampDays);
      for (let t = Math.max(0, from); t < Math.min(minutes, from + MINUTES_PER_DAY); t++) eventFactor[t] *= f;
    }
  }
  const startWeekday = (new Date(startMs).getUTCDay() + 6) % 7;
  return { startMs, minutes, days: s.days, startWeekday, holidayDays, freezes, eventFactor, onCall: s.calendar.onCall };
}

/** Local hour (fractional) and weekday (0 = Monday) of minute t at a UTC offset. */
export function localTime(cal: Calendar, t: number, offsetHours: number): { hour: number; weekday: number; day: number } {
  const local = t + cal.startWeekday * MINUTES_PER_DAY + offsetHours * 60;
  const dayAbs = Math.floor(local / MINUTES_PER_DAY);
  return {
    hour: (local - dayAbs * MINUTES_PER_DAY) / 60,
    weekday: ((dayAbs % 7) + 7) % 7,
    day: Math.floor((t + offsetHours * 60) / MINUTES_PER_DAY),
  };
}

/** On-call cover (0..1) of a team in time zone `offsetHours` at minute t. */
export function onCallCover(cal: Calendar, t: number, offsetHours: number): number {
  const { hour, weekday, day } = localTime(cal, t, offsetHours);
  if (cal.holidayDays.has(day)) return cal.onCall.holiday;
  if (weekday >= 5) return cal.onCall.weekend;
  if (hour >= 9 && hour < 18) return cal.onCall.businessHours;
  if ((hour >= 18 && hour < 23) || (hour >= 7 && hour < 9)) return cal.onCall.evening;
  return cal.onCall.night;
}

/** The freeze that contains minute t, if any. */
export function freezeAt(cal: Calendar, t: number): Freeze | undefined {
  return cal.freezes.find((f) => t >= f.start && t < f.end);
}

/** The first minute >= t that is outside every freeze. */
export function nextUnfrozen(cal: Calendar, t: number): number {
  let f = freezeAt(cal, t);
  while (f) {
    t = f.end;
    f = freezeAt(cal, t);
  }
  return t;
}

/** Epoch ms of minute t. */
export const minuteToMs = (cal: Calendar, t: number): number => cal.startMs + t * 60_000;
