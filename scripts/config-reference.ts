/** npx tsx scripts/config-reference.ts — prints the README's configuration reference table. */
import { configReferenceMarkdown } from '../src/config/config-reference';

process.stdout.write(configReferenceMarkdown() + '\n');
