void f(void)
{
	do {
		a();
	} while (0);
	b();
}
