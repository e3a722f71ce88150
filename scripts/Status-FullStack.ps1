<#
.SYNOPSIS
  Shows each service: container state, health, restarts, ports, last probe and what the supervisor did.
.DESCRIPTION
  A thin wrapper over `stack status`. Exit code 0 when everything runs and is healthy, 4 otherwise.
.PARAMETER Json
  Return objects: .supervisor and .services (name, state, health, restarts, ports, lastProbe, heal).
.PARAMETER File
  The stack file. Default: stack.yaml in the current folder.
.EXAMPLE
  (./scripts/Status-FullStack.ps1 -Json).services | Where-Object health -ne 'healthy'
#>
[CmdletBinding()]
param(
  [switch] $Json,
  [string] $File = 'stack.yaml'
)
. "$PSScriptRoot/StackCli.ps1"
Invoke-Stack -Arguments @('--file', $File, 'status') -Json:$Json
exit $LASTEXITCODE
