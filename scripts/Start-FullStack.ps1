<#
.SYNOPSIS
  Brings the local stack up in dependency order, gated by health probes, and supervises it.
.DESCRIPTION
  A thin wrapper over `stack up --detach` (or `--watch` with -Foreground). All logic is in the CLI;
  its exit code is passed through: 0 ok, 2 invalid config, 3 Docker unreachable, 4 a service not healthy,
  5 start refused, 6 a dependency failed, 7 busy, 130 interrupted.
.PARAMETER Services
  Services to bring up, with their dependencies. Default: all.
.PARAMETER ProfileName
  A named service set from stack.yaml `profiles:` (ci, dev, full).
.PARAMETER Strategy
  eager (default): each service as soon as its own dependencies are ready; waves: wave by wave.
.PARAMETER WaitTimeout
  Fail unless everything is healthy this long after the start, e.g. 120s.
.PARAMETER Foreground
  Supervise in this window until Ctrl-C instead of in the background.
.PARAMETER Json
  Return the result as objects instead of printing progress.
.PARAMETER File
  The stack file. Default: stack.yaml in the current folder.
.EXAMPLE
  ./scripts/Start-FullStack.ps1
.EXAMPLE
  ./scripts/Start-FullStack.ps1 -ProfileName ci -WaitTimeout 180s -Json | Select-Object -ExpandProperty services
#>
[CmdletBinding()]
param(
  [string[]] $Services = @(),
  [string] $ProfileName,
  [ValidateSet('eager', 'waves')] [string] $Strategy = 'eager',
  [string] $WaitTimeout,
  [switch] $Foreground,
  [switch] $Json,
  [string] $File = 'stack.yaml'
)
. "$PSScriptRoot/StackCli.ps1"
$cliArgs = @('--file', $File)
if ($ProfileName) { $cliArgs += @('--profile', $ProfileName) }
$cliArgs += @('up') + $Services + @('--strategy', $Strategy)
if ($WaitTimeout) { $cliArgs += @('--wait-timeout', $WaitTimeout) }
$cliArgs += if ($Foreground) { '--watch' } else { '--detach' }
Invoke-Stack -Arguments $cliArgs -Json:$Json
exit $LASTEXITCODE
