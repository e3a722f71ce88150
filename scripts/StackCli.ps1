<#
.SYNOPSIS
  Shared by the *-FullStack.ps1 wrappers: runs the stack CLI and passes its exit code through.
.DESCRIPTION
  The CLI is found as $env:STACK_CLI (e.g. "node dist/cli/main.js"), else `npx --no-install stack`.
  With -Json the CLI's JSON document is returned as objects (ConvertFrom-Json).
#>
function Invoke-Stack {
  [CmdletBinding()]
  param(
    [Parameter(Mandatory)] [string[]] $Arguments,
    [switch] $Json
  )
  $cli = if ($env:STACK_CLI) { $env:STACK_CLI -split ' ' } else { @('npx', '--no-install', 'stack') }
  $exe, $pre = $cli[0], @($cli | Select-Object -Skip 1)
  if ($Json) {
    $out = & $exe @pre @Arguments '--json'
    $code = $LASTEXITCODE
    if ($out) { $out | Out-String | ConvertFrom-Json }
  } else {
    & $exe @pre @Arguments
    $code = $LASTEXITCODE
  }
  $global:LASTEXITCODE = $code
}
