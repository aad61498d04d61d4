import { benchUploadS3 } from './upload-s3';
import { median } from './measure';

/** Upload figures against s3rver on loopback, as BENCHMARKS.md lines. */
export async function benchUpload(releaseDir: string, runs: number): Promise<string[]> {
  const results: Awaited<ReturnType<typeof benchUploadS3>>[] = [];
  for (let i = 0; i < runs; i++) results.push(await benchUploadS3(releaseDir));
  const m = (pick: (r: (typeof results)[number]) => number) => median(results.map(pick));
  const mib = m((r) => r.bytes) / (1024 * 1024);
  const uploadAll = m((r) => r.uploadAllMs) / 1000;
  const singlePut = m((r) => r.singlePutMs) / 1000;
  const rerun = m((r) => r.rerunMs) / 1000;
  const hashOnly = m((r) => r.hashOnlyMs) / 1000;
  const ratioToPut = uploadAll / singlePut;
  return [
    '## Upload to S3 (s3rver on 127.0.0.1)',
    '',
    '| measurement | median | throughput | against | ratio | aim |',
    '| --- | --- | --- | --- | --- | --- |',
    `| upload every asset, SHA256SUMS, manifest.json (${mib.toFixed(1)} MiB), verify, latest.json | ${uploadAll.toFixed(2)} s | ${(mib / uploadAll).toFixed(1)} MiB/s | one plain PutObject of the same bytes | ${(uploadAll / singlePut).toFixed(2)}x | |`,
    `| one plain PutObject of the same bytes | ${singlePut.toFixed(2)} s | ${(mib / singlePut).toFixed(1)} MiB/s | | | |`,
    `| re-run with nothing changed | ${rerun.toFixed(2)} s | bytes sent: ${results.map((r) => r.rerunBytesSent).join(', ')} | | | 0 bytes, < 2 s |`,
    `| the checks' own work, no network: every file read once through sha256 and MD5 | ${hashOnly.toFixed(2)} s | ${(mib / hashOnly).toFixed(1)} MiB/s | one plain PutObject | ${(hashOnly / singlePut).toFixed(2)}x | |`,
    '',
    ...(ratioToPut > 1 / 0.9
      ? [
          `Aim (≥ 0.9x the plain PutObject's throughput, i.e. ≤ 1.11x its time) missed: ${ratioToPut.toFixed(2)}x. The upload computes sha256 and MD5 of every byte it sends (to check each object against manifest.json and its ETag), ${hashOnly.toFixed(2)} s of CPU measured alone, which the plain PutObject does not do; it runs on a thread of its own while the bytes go out, but s3rver runs in this same process and on 2 cores the three (sending, hashing, s3rver storing) share them. The rest is the requests themselves: a listing before (what is already there), one PUT per file (three at a time), a HEAD per file after (its size and recorded sha256), and latest.json.`,
          '',
        ]
      : []),
  ];
}
