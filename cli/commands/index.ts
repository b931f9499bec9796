import type { Command } from 'commander';
import type { CliIo } from '../main';
import { registerConformance } from './conformance';
import { registerDomxmlToNative } from './domxml-to-native';

/** Each verb registers itself on the program. Keep this list in the order help should show. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

export const COMMANDS: RegisterCommand[] = [registerConformance, registerDomxmlToNative];
