import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDateOnly, parseTime, parseTimeRange } from '../../src/client/time.js';
import { FerryError } from '../../src/protocol/errors.js';

function badRequest(fn: () => unknown): FerryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe('BAD_REQUEST');
    return err as FerryError;
  }
  throw new Error('expected a BAD_REQUEST FerryError');
}

describe('parseTime', () => {
  it('reads the classic space form as local time', () => {
    expect(parseTime('2021-03-04 05:06:07')).toBe(new Date(2021, 2, 4, 5, 6, 7).getTime());
  });

  it('reads the T form, bare dates and hours without seconds', () => {
    expect(parseTime('2021-03-04T05:06:07')).toBe(new Date(2021, 2, 4, 5, 6, 7).getTime());
    expect(parseTime('2021-03-04')).toBe(new Date(2021, 2, 4).getTime());
    expect(parseTime('2021-03-04 05:06')).toBe(new Date(2021, 2, 4, 5, 6).getTime());
    expect(parseTime('  2021-3-4  ')).toBe(new Date(2021, 2, 4).getTime());
  });

  it('keeps fractional seconds to the millisecond, truncating extra digits', () => {
    expect(parseTime('2021-03-04 05:06:07.25')).toBe(new Date(2021, 2, 4, 5, 6, 7, 250).getTime());
    expect(parseTime('2021-03-04T05:06:07.123999')).toBe(new Date(2021, 2, 4, 5, 6, 7, 123).getTime());
  });

  it('honours Z and numeric offsets', () => {
    expect(parseTime('2021-03-04T05:06:07Z')).toBe(Date.UTC(2021, 2, 4, 5, 6, 7));
    expect(parseTime('2021-03-04T05:06:07.5z')).toBe(Date.UTC(2021, 2, 4, 5, 6, 7, 500));
    expect(parseTime('2021-03-04T05:06:07+02:00')).toBe(Date.UTC(2021, 2, 4, 3, 6, 7));
    expect(parseTime('2021-03-04 05:06:07-0130')).toBe(Date.UTC(2021, 2, 4, 6, 36, 7));
    expect(parseTime('2021-03-04T05:06:07+05')).toBe(Date.UTC(2021, 2, 4, 0, 6, 7));
  });

  it('understands now, today, yesterday and relative ages against the given clock', () => {
    const now = new Date(2024, 5, 15, 13, 30, 0);
    expect(parseTime('now', now)).toBe(now.getTime());
    expect(parseTime('Today', now)).toBe(new Date(2024, 5, 15).getTime());
    expect(parseTime('yesterday', now)).toBe(new Date(2024, 5, 14).getTime());
    expect(parseTime('3d ago', now)).toBe(now.getTime() - 3 * 86400e3);
    expect(parseTime('-90m', now)).toBe(now.getTime() - 90 * 60e3);
  });

  it('accepts leap days only in leap years', () => {
    expect(parseTime('2024-02-29')).toBe(new Date(2024, 1, 29).getTime());
    expect(parseTime('2000-02-29')).toBe(new Date(2000, 1, 29).getTime());
    expect(badRequest(() => parseTime('2023-02-29')).message).toMatch(/2023-02 has 28 days/);
    badRequest(() => parseTime('1900-02-29'));
  });

  it('rejects impossible and unparsable dates with a message naming the input', () => {
    expect(badRequest(() => parseTime('2020-02-30')).message).toMatch(/'2020-02-30'.*29 days/);
    expect(badRequest(() => parseTime('2020-13-01')).message).toMatch(/no month 13/);
    badRequest(() => parseTime('2020-04-31'));
    badRequest(() => parseTime('2020-00-10'));
    badRequest(() => parseTime('2020-01-00'));
    badRequest(() => parseTime('2020-01-01 24:00:00'));
    badRequest(() => parseTime('2020-01-01 10:60'));
    badRequest(() => parseTime('2020-01-01 10:00:60'));
    badRequest(() => parseTime('2020-01-01T10:00:00+25:00'));
    badRequest(() => parseTime('yesterday-ish'));
    badRequest(() => parseTime('01/02/2020'));
    badRequest(() => parseTime(''));
    badRequest(() => parseTime('2020-01-01 10'));
  });

  it('keeps two-digit years literal', () => {
    expect(new Date(parseTime('0050-06-01')).getFullYear()).toBe(50);
  });

  it('round-trips every valid local timestamp written in the classic form', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(1971, 0, 1), max: new Date(2100, 0, 1), noInvalidDate: true }), (d) => {
        const p = (n: number) => String(n).padStart(2, '0');
        const text = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
        // Local wall-clock times repeated at a DST fall-back are ambiguous; compare wall-clock fields.
        const back = new Date(parseTime(text));
        expect([back.getFullYear(), back.getMonth(), back.getDate(), back.getHours(), back.getMinutes(), back.getSeconds(), back.getMilliseconds()]).toEqual([
          d.getFullYear(),
          d.getMonth(),
          d.getDate(),
          d.getHours(),
          d.getMinutes(),
          d.getSeconds(),
          d.getMilliseconds(),
        ]);
      }),
    );
  });

  it('never throws anything but a FerryError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          expect(Number.isFinite(parseTime(s))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(FerryError);
        }
      }),
    );
  });
});

describe('isDateOnly', () => {
  it('tells days from instants', () => {
    expect(isDateOnly('2020-01-01')).toBe(true);
    expect(isDateOnly('today')).toBe(true);
    expect(isDateOnly('2020-01-01 00:00')).toBe(false);
    expect(isDateOnly('2020-01-01Z')).toBe(false);
    expect(isDateOnly('now')).toBe(false);
  });
});

describe('parseTimeRange', () => {
  it('returns both bounds, a bare end date covering that whole day', () => {
    expect(parseTimeRange('2020-01-01 10:00:00', '2020-01-02 11:00:00')).toEqual({
      after: new Date(2020, 0, 1, 10).getTime(),
      before: new Date(2020, 0, 2, 11).getTime(),
    });
    expect(parseTimeRange('2020-01-31', '2020-01-31')).toEqual({
      after: new Date(2020, 0, 31).getTime(),
      before: new Date(2020, 1, 1).getTime(),
    });
  });

  it('refuses a start after the end', () => {
    expect(badRequest(() => parseTimeRange('2021-01-01', '2020-01-01')).message).toMatch(/start '2021-01-01' is after end '2020-01-01'/);
    badRequest(() => parseTimeRange('2020-01-01 10:00:01', '2020-01-01 10:00:00'));
  });

  it('reports which bound is malformed', () => {
    expect(badRequest(() => parseTimeRange('2020-01-01', '2020-02-30')).message).toMatch(/2020-02-30/);
    expect(badRequest(() => parseTimeRange('nope', '2020-02-01')).message).toMatch(/'nope'/);
  });
});
