import type { Command } from 'commander';
import type { CliIo } from '../main';
import { registerHosts } from './hosts';

/** Each verb registers itself on the program. Keep this list in the order help should show. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const COMMANDS: RegisterCommand[] = [registerHosts];
