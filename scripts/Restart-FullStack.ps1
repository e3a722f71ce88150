<#
.SYNOPSIS
  Restarts services through their health gate; closes an open restart breaker.
.DESCRIPTION
  A thin wrapper over `stack restart`. Goes through the running supervisor when there is one.
  The CLI's exit code is passed through (4 when a service does not come back healthy).
.PARAMETER Services
  The services to restart.
.PARAMETER WithDependents
  Then restart their dependents in dependency order.
.PARAMETER Json
  Return the results as objects.
.PARAMETER File
  The stack file. Default: stack.yaml in the current folder.
.EXAMPLE
  ./scripts/Restart-FullStack.ps1 -Services postgres -WithDependents
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string[]] $Services,
  [switch] $WithDependents,
  [switch] $Json,
  [string] $File = 'stack.yaml'
)
. "$PSScriptRoot/StackCli.ps1"
$cliArgs = @('--file', $File, 'restart') + $Services
if ($WithDependents) { $cliArgs += '--with-dependents' }
Invoke-Stack -Arguments $cliArgs -Json:$Json
exit $LASTEXITCODE
