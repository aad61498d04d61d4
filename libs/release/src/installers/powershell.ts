import type { ReleaseManifest } from '../manifest';
import { assetsFor, WINDOWS_ARCH } from './platform-names';
import { assertInert, BASE_URL_ENV, defaultBaseUrl, INSTALL_DIR_ENV, type InstallerSettings, URL_PATTERN } from './settings';

/**
 * `<name>-installer.ps1` for the manifest's Windows zips (Windows PowerShell 5.1 and PowerShell 7).
 * Never run here (no PowerShell on this machine): the tests check it textually.
 * Undefined when the release has no Windows zip.
 */
export function powershellInstaller(manifest: ReleaseManifest, settings: InstallerSettings): string | undefined {
  const assets = assetsFor(manifest, (split, asset) => split.os === 'win32' && asset.archive === 'zip' && split.arch in WINDOWS_ARCH);
  if (assets.length === 0) return undefined;
  const name = assertInert('name', manifest.name);
  const version = assertInert('version', manifest.version);
  const base = assertInert('download URL', defaultBaseUrl(settings, manifest), URL_PATTERN);
  const table = assets
    .map((a) => {
      const files = (a.files ?? []).map((f) => `'${assertInert('file name', f.name)}'`).join(', ');
      return `  '${a.arch}' = @{ File = '${assertInert('file name', a.fileName)}'; Sha256 = '${assertInert('sha256', a.sha256)}'; Binary = '${assertInert('binary name', a.binaryName)}'; Files = @(${files}) }`;
    })
    .join('\n');
  const supported = assets.map((a) => a.platform).join(', ');
  return `# Installs ${name} ${version} on Windows: picks the zip for this machine, checks its sha256
# against the value written below, unpacks it, puts ${name} in place and on the user's PATH.
# Generated from the release manifest; every value below belongs to this one release.
#
#   powershell -ExecutionPolicy Bypass -c "irm ${base}/${name}-installer.ps1 | iex"
#
# Environment:
#   ${BASE_URL_ENV}  download <URL>/<asset> instead of ${base}/<asset>
#   ${INSTALL_DIR_ENV}        install there (default: %LOCALAPPDATA%\\Programs\\${name})

$Name = '${name}'
$Version = '${version}'
$DefaultBaseUrl = '${base}'
$Assets = @{
${table}
}

function Get-MachineArch {
  try {
    $os = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString()
  } catch {
    $os = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
  }
  switch -Regex ($os) {
    '^(X64|AMD64)$' { return 'x64' }
    '^(Arm64|ARM64)$' { return 'arm64' }
    '^(X86|x86)$' { return 'ia32' }
    default { return $os }
  }
}

function Install-Release {
  # Set inside the function so that "irm | iex" leaves the user's session preferences alone.
  $ErrorActionPreference = 'Stop'
  # Windows PowerShell 5.1 downloads many times slower while it draws a progress bar.
  $ProgressPreference = 'SilentlyContinue'
  $arch = Get-MachineArch
  $asset = $Assets[$arch]
  # Windows on Arm runs x64 programs under emulation.
  if (-not $asset -and $arch -eq 'arm64') { $asset = $Assets['x64']; $arch = 'x64' }
  if (-not $asset) { throw "$Name $Version has no build for this platform (win32-$arch); supported: ${supported}" }

  $dir = if ($env:${INSTALL_DIR_ENV}) { $env:${INSTALL_DIR_ENV} } elseif ($env:LOCALAPPDATA) { Join-Path $env:LOCALAPPDATA "Programs\\$Name" } else { throw "LOCALAPPDATA is not set: set ${INSTALL_DIR_ENV} to the directory to install into" }
  # The npm launcher's rule: the variable replaces the release URL; trailing slashes are dropped.
  $base = if ($env:${BASE_URL_ENV}) { $env:${BASE_URL_ENV} } else { $DefaultBaseUrl }
  $url = "$($base.TrimEnd('/'))/$($asset.File)"

  $tmp = Join-Path ([System.IO.Path]::GetTempPath()) ("$Name-install-" + [System.Guid]::NewGuid().ToString('N'))
  New-Item -ItemType Directory -Path $tmp | Out-Null
  try {
    $zip = Join-Path $tmp $asset.File
    Write-Host "downloading $Name $Version for win32-$arch from $url"
    try {
      [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
      Invoke-WebRequest -Uri $url -OutFile $zip -UseBasicParsing
    } catch {
      throw "download failed: $url ($($_.Exception.Message))"
    }
    $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $zip).Hash.ToLowerInvariant()
    if ($actual -ne $asset.Sha256) { throw "checksum mismatch for $($asset.File) from $($url): expected sha256 $($asset.Sha256), got $actual; nothing was installed" }
    $unpack = Join-Path $tmp 'unpack'
    Expand-Archive -LiteralPath $zip -DestinationPath $unpack -Force
    $exe = Join-Path $unpack $asset.Binary
    if (-not (Test-Path -LiteralPath $exe -PathType Leaf)) { throw "$($asset.File) holds no $($asset.Binary); nothing was installed" }
    foreach ($f in $asset.Files) {
      if (-not (Test-Path -LiteralPath (Join-Path $unpack $f) -PathType Leaf)) { throw "$($asset.File) holds no $f; nothing was installed" }
    }

    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    # The files beside the binary first, each copied aside and renamed over the old one.
    foreach ($f in $asset.Files) {
      $fileTarget = Join-Path $dir $f
      Copy-Item -LiteralPath (Join-Path $unpack $f) -Destination "$fileTarget.installing" -Force
      Move-Item -LiteralPath "$fileTarget.installing" -Destination $fileTarget -Force
    }
    $target = Join-Path $dir $asset.Binary
    $staged = "$target.installing"
    $old = "$target.old"
    Copy-Item -LiteralPath $exe -Destination $staged -Force
    # A running exe cannot be overwritten but can be renamed: move it aside, and back if the swap fails.
    Remove-Item -LiteralPath $old -Force -ErrorAction SilentlyContinue
    $hadOld = Test-Path -LiteralPath $target
    if ($hadOld) { Move-Item -LiteralPath $target -Destination $old -Force }
    try {
      Move-Item -LiteralPath $staged -Destination $target -Force
    } catch {
      if ($hadOld) { Move-Item -LiteralPath $old -Destination $target -Force }
      Remove-Item -LiteralPath $staged -Force -ErrorAction SilentlyContinue
      throw "cannot write $($target): $($_.Exception.Message)"
    }
    Remove-Item -LiteralPath $old -Force -ErrorAction SilentlyContinue
    Write-Host "installed $Name $Version to $target"

    $userPath = [Environment]::GetEnvironmentVariable('Path', 'User')
    $entries = @($userPath -split ';' | Where-Object { $_ -ne '' })
    if ($entries -notcontains $dir) {
      [Environment]::SetEnvironmentVariable('Path', (($entries + $dir) -join ';'), 'User')
      $env:Path = "$env:Path;$dir"
      Write-Host "added $dir to your user PATH; open a new terminal to use $Name"
    }
  } finally {
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
  }
}

try {
  Install-Release
} catch {
  [Console]::Error.WriteLine("$Name installer: $($_.Exception.Message)")
  # Run as a file: exit non-zero. Run through "irm | iex": exit would close the user's window.
  if ($PSCommandPath) { exit 1 } else { $global:LASTEXITCODE = 1 }
}
`;
}
