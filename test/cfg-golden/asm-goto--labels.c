/*
B0:
  B0 -> B2 goto
  B0 -> B3 fall
B2: bad(); return <const>
  B2 -> exit return
B3: ok(); return <const>
  B3 -> exit return
*/
int f(void)
{
	asm goto("jmp %l0" : : : : fail);
	ok();
	return 0;
fail:
	bad();
	return -EIO;
}
