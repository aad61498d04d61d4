/**
 * npm's postinstall for the codebuff package: downloads and verifies the binary at install time,
 * so the first run needs no network. It never fails the install: offline installs, registries that
 * skip install scripts (`--ignore-scripts`, pnpm, npm's allowScripts) and download errors all fall
 * back to installing on first run. `npm rebuild -g codebuff` runs it again and re-hashes the
 * installed binary, which makes it the repair command. CODEBUFF_SKIP_DOWNLOAD=1 skips it.
 */
import { currentPlan, ensureBinary, log, reportFailure } from './launcher';

async function postinstall(): Promise<void> {
  if (process.env.CODEBUFF_SKIP_DOWNLOAD === '1' || process.env.CODEBUFF_SKIP_DOWNLOAD === 'true') {
    log('CODEBUFF_SKIP_DOWNLOAD is set; the binary will be downloaded on first run');
    return;
  }
  try {
    const binary = await ensureBinary(currentPlan(), true);
    log(`installed ${binary}`);
  } catch (error) {
    reportFailure(error);
    log('the install itself succeeded; codebuff will try to download its binary again on first run');
  }
}

void postinstall();
