<#
.SYNOPSIS
  Stops the supervisor, then the stack in reverse dependency order; removes containers and networks.
.DESCRIPTION
  A thin wrapper over `stack down`. Volumes (the data) are kept unless -Volumes is given.
  The CLI's exit code is passed through.
.PARAMETER Volumes
  Also remove the named volumes: the data is lost.
.PARAMETER Timeout
  Seconds each container gets to stop before it is killed. Default 10.
.PARAMETER Json
  Return the result as objects.
.PARAMETER File
  The stack file. Default: stack.yaml in the current folder.
.EXAMPLE
  ./scripts/Stop-FullStack.ps1 -Volumes
#>
[CmdletBinding()]
param(
  [switch] $Volumes,
  [int] $Timeout = 10,
  [switch] $Json,
  [string] $File = 'stack.yaml'
)
. "$PSScriptRoot/StackCli.ps1"
$cliArgs = @('--file', $File, 'down', '--timeout', "$Timeout")
if ($Volumes) { $cliArgs += '--volumes' }
Invoke-Stack -Arguments $cliArgs -Json:$Json
exit $LASTEXITCODE
