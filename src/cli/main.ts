export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`sotto: ${argv.join(' ')}\n`);
  return 0;
}
