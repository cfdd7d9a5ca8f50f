import { killMariadbMigrator } from './kill-mariadb-migrator.ts';
const f = await killMariadbMigrator(Number(process.env.R ?? 4));
console.log(JSON.stringify(f, null, 1));
