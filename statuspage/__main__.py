from statuspage.cli import console

console()
