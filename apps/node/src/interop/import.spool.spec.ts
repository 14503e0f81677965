import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ImportReport } from './import.report';
import { ImportSpool } from './import.spool';

const spoolDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('palermo-import-'));
const place = (index: number) => ({ index, id: `indicator--${index}`, type: 'indicator' });
const domain = (value: string) => ({ type: 'domain', value, tlp: 'green', tags: [] });

describe('ImportSpool', () => {
  it('keeps validated objects in order, reports invalid ones, and deletes its file', async () => {
    const report = new ImportReport();
    const spool = await ImportSpool.open(report, 'NL');
    const before = spoolDirs().length;
    for (let i = 0; i < 2000; i++) await spool.add(place(i), { refId: `r${i}`, modified: '2026-01-01T00:00:00.000Z', revoked: false, input: domain(`Spool-${i}.Example`) });
    await spool.add(place(2000), { refId: 'bad', modified: '2026-01-01T00:00:00.000Z', revoked: false, input: domain('not a domain') });
    await spool.add(place(2001), { refId: 'gone', modified: '2026-01-01T00:00:00.000Z', revoked: true, onlyIfKnown: true });
    await spool.close();
    const read = [];
    for await (const entry of spool.read()) read.push(entry);
    expect(read).toHaveLength(2001);
    expect(read[0]).toMatchObject({ place: place(0), obj: { refId: 'r0', input: { type: 'domain', value: 'spool-0.example' } } });
    expect(read[2000]).toEqual({ place: place(2001), obj: { refId: 'gone', modified: '2026-01-01T00:00:00.000Z', revoked: true, onlyIfKnown: true } });
    expect(report.counts.failed).toBe(1);
    await spool.dispose();
    expect(spoolDirs().length).toBe(before - 1);
  });

  it('disposing with writes still pending (a file refused mid-way) neither throws nor crashes the process', async () => {
    const spool = await ImportSpool.open(new ImportReport(), 'NL');
    await spool.add(place(99), { refId: 'first', modified: '2026-01-01T00:00:00.000Z', revoked: false, input: domain('first.example') });
    await new Promise((r) => setTimeout(r, 50)); // the file is open: the next writes go to the disk at once
    const pending = Array.from({ length: 50 }, (_, i) => spool.add(place(i), { refId: `p${i}`, modified: '2026-01-01T00:00:00.000Z', revoked: false, input: domain(`pending-${i}.example`) }));
    await spool.dispose();
    await Promise.allSettled(pending);
    await new Promise((r) => setTimeout(r, 50)); // an unhandled 'error' event would fail the run here
    expect(existsSync(tmpdir())).toBe(true);
  });
});
