void f(void)
{
	do {
		a();
	} while (more());
	b();
}
