int f(void)
{
	asm goto("jmp %l0" : : : : fail);
	ok();
	return 0;
fail:
	bad();
	return -EIO;
}
