from openphb.cli import main

main()
