import { readFileSync } from 'node:fs';
import { StepwiseError, ValidationError, type DecisionOutcome } from '@stepwise/core';
import { readGivenInput, type GivenPolicyInput } from '@stepwise/server';
import { InputFileError } from './input-file.js';

/** One past decision, as the decision API stores and exports it. */
export interface RecordedDecision {
  readonly decisionId: string;
  /** Seconds since the epoch. */
  readonly time: number;
  /** Line in the file, 1-based. */
  readonly line: number;
  readonly given: GivenPolicyInput;
  /** What was answered then, when the record has it. */
  readonly decision?: DecisionOutcome;
}

const INPUT_FIELDS = ['subject', 'action', 'resource', 'context', 'session', 'risk', 'client'];
const RECORD_FIELDS = ['decision_id', 'time', 'decision', 'requirement', ...INPUT_FIELDS];
const DECISIONS: readonly string[] = ['allow', 'step_up', 'deny'];

function readRecord(raw: unknown, line: number): RecordedDecision {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError('(line)', 'must be a JSON object');
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !RECORD_FIELDS.includes(key));
  if (unknown !== undefined) throw new ValidationError(unknown, `is not a field of a recorded decision (${RECORD_FIELDS.join(', ')})`);
  if (typeof record.decision_id !== 'string' || record.decision_id === '') throw new ValidationError('decision_id', 'must be a non-empty string');
  if (typeof record.time !== 'number' || !Number.isInteger(record.time) || record.time < 0) throw new ValidationError('time', 'must be whole seconds since the epoch');
  if (record.decision !== undefined && (typeof record.decision !== 'string' || !DECISIONS.includes(record.decision))) {
    throw new ValidationError('decision', `must be one of ${DECISIONS.join(', ')}`);
  }
  if (typeof record.subject !== 'object' || record.subject === null) throw new ValidationError('subject', 'must be a mapping (at least an id)');
  const input = Object.fromEntries(INPUT_FIELDS.filter((key) => record[key] !== undefined).map((key) => [key, record[key]]));
  return {
    decisionId: record.decision_id,
    time: record.time,
    line,
    given: readGivenInput(input, 'event'),
    ...(record.decision === undefined ? {} : { decision: record.decision as DecisionOutcome }),
  };
}

/**
 * Reads an NDJSON file of recorded decisions: one JSON object a line, blank
 * lines skipped. Nothing is read past a bad line: the file is refused.
 *
 * @param path - the file
 * @throws {@link InputFileError} naming the line and the field
 * @example
 * ```ts
 * const events = readRecordedDecisions('events.ndjson');
 * ```
 */
export function readRecordedDecisions(path: string): RecordedDecision[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputFileError(path, '(file)', `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const records: RecordedDecision[] = [];
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    if (content.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (error) {
      throw new InputFileError(path, '(json)', `is not JSON (${(error as Error).message})`, line);
    }
    try {
      records.push(readRecord(parsed, line));
    } catch (error) {
      if (!(error instanceof StepwiseError)) throw error;
      const field = error instanceof ValidationError ? error.field.replace(/^event\./, '') : '(line)';
      const reason = error instanceof ValidationError ? error.message.slice(error.field.length + 2) : error.message;
      throw new InputFileError(path, field, reason, line);
    }
  });
  if (records.length === 0) throw new InputFileError(path, '(file)', 'holds no decision');
  return records;
}
