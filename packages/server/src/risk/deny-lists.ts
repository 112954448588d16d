import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { basename } from 'node:path';
import { ConfigError } from '@stepwise/core';

/** A range of a deny list, as written (a bare address gets its /32 or /128). */
interface ListedRange {
  readonly cidr: string;
  readonly network: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** One deny list file. */
export interface DenyList {
  /** The file's base name, shown in evidence. */
  readonly name: string;
  /** How many ranges it holds. */
  readonly size: number;
  /** The range that holds `ip`, or `undefined`. */
  match(ip: string): string | undefined;
}

const CONFIG_KEY = 'risk.untrusted_ip.lists';

/*
 * A match must name its range, which a BlockList cannot tell. So ranges are
 * grouped in chunks of CHUNK, each with its own BlockList: a hit scans the
 * one list of the file, then only the chunks that hold the address, then the
 * ranges of such a chunk one by one.
 */
const CHUNK = 64;

function blockListOf(ranges: readonly ListedRange[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.network, range.prefix, range.family);
  return list;
}

function familyOf(ip: string): 'ipv4' | 'ipv6' | undefined {
  const family = isIP(ip);
  return family === 4 ? 'ipv4' : family === 6 ? 'ipv6' : undefined;
}

/**
 * Parses one line: an address or a CIDR range, after which anything
 * following `#` or `;` (Spamhaus DROP writes `1.2.3.0/24 ; SBL123`) or
 * whitespace is a comment.
 *
 * @returns the range, `null` for a blank or comment line, `undefined` when malformed
 */
function parseLine(line: string): ListedRange | null | undefined {
  const text = line.replace(/[#;].*$/, '').trim();
  if (text === '') return null;
  const entry = text.split(/\s+/)[0]!;
  const [network = '', prefixText, extra] = entry.split('/');
  const family = familyOf(network);
  if (!family || extra !== undefined) return undefined;
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  return { cidr: `${network}/${prefix}`, network, prefix, family };
}

/**
 * Parses a deny list's text.
 *
 * @param text - one address or CIDR range a line, `#` or `;` comments, IPv4 and IPv6
 * @param file - the file's path, for errors and the list's name
 * @throws ConfigError `risk.untrusted_ip.lists` naming the file and line of the first bad entry
 * @example
 * ```ts
 * parseDenyList('# Tor exits\n185.220.101.0/24\n2001:db8::1\n', 'tor.txt').match('185.220.101.7') // '185.220.101.0/24'
 * ```
 */
export function parseDenyList(text: string, file: string): DenyList {
  const ranges: ListedRange[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const range = parseLine(line);
    if (range === undefined) {
      throw new ConfigError(CONFIG_KEY, `${file} line ${index + 1}: "${line.trim().slice(0, 80)}" is not an IP address or CIDR range`);
    }
    if (range) ranges.push(range);
  });
  const whole = blockListOf(ranges);
  const chunks: { ranges: ListedRange[]; list: BlockList }[] = [];
  for (let start = 0; start < ranges.length; start += CHUNK) {
    const slice = ranges.slice(start, start + CHUNK);
    chunks.push({ ranges: slice, list: blockListOf(slice) });
  }
  return {
    name: basename(file),
    size: ranges.length,
    match(ip) {
      const family = familyOf(ip);
      if (!family || !whole.check(ip, family)) return undefined;
      for (const chunk of chunks) {
        if (!chunk.list.check(ip, family)) continue;
        const range = chunk.ranges.find((candidate) => blockListOf([candidate]).check(ip, family));
        if (range) return range.cidr;
      }
      return undefined;
    },
  };
}

/**
 * Reads the configured deny lists, once, at start-up.
 *
 * @param files - absolute paths (`config.risk.denyLists`)
 * @throws ConfigError `risk.untrusted_ip.lists` for a file that cannot be read or a bad line (file and line named)
 * @example
 * ```ts
 * const lists = loadDenyLists(config.risk.denyLists);
 * ```
 */
export function loadDenyLists(files: readonly string[]): DenyList[] {
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(CONFIG_KEY, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return parseDenyList(text, file);
  });
}
