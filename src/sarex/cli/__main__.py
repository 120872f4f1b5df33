from sarex.cli import main

main()
