/**
 * `virtform domxml-format FILE`: parse a libvirt domain XML file, apply the defaults libvirt
 * applies when a domain is defined, validate it, and print it in libvirt's canonical layout.
 * Problems go to stderr (file:line, XML path, value, rule, fix) with exit code 1.
 */
import { readFileSync } from 'fs';
import { randomUUID } from 'crypto';
import type { Command } from 'commander';
import type { CliIo } from '../main';
import { VirtformError } from '../errors';
import { parseDomainXml, formatDomainXml, validateDomain, type Domain } from '../../model/domain/domain';
import { applyDomainDefaults } from '../../model/domain/defaults';
import { formatIssue } from '../../model/errors';
import { capsForDomxmlFormat, qemuDriverDefaults } from '../domxml-format-qemu';

/** No driver defaults: the generic canonical form only (used when no QEMU is known). */
export function applyDriverDefaults(domain: Domain): Domain {
  return domain;
}

/**
 * Parse → generic defaults → driver defaults → validate → canonical XML. Throws VirtformError
 * listing every issue (file:line, path, problem, fix).
 */
export function domxmlFormat(text: string, file: string, driverDefaults: (domain: Domain) => Domain = applyDriverDefaults): string {
  const domain = driverDefaults(applyDomainDefaults(parseDomainXml(text, file), { newUuid: randomUUID }));
  const issues = validateDomain(domain);
  if (issues.length) throw new VirtformError(issues.map(formatIssue).join('\n'));
  return formatDomainXml(domain);
}

export function register(program: Command, io: CliIo): void {
  program
    .command('domxml-format')
    .description("Parse, apply defaults, validate and print a domain's XML in libvirt's canonical form")
    .argument('<file>', 'libvirt domain XML file')
    .option('--caps <file>', "QEMU capabilities for the QEMU defaults (libvirt's qemuCaps XML or a virtform caps JSON); default: probe the domain's QEMU on this machine (cached), or generic defaults only when there is none")
    .action(async (file: string, opts: { caps?: string }) => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new VirtformError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      }
      io.out(domxmlFormat(text, file, qemuDriverDefaults(await capsForDomxmlFormat(text, opts.caps))));
    });
}
